export default function AlertsPage() {
  return (
    <>
      <h1>Alerts</h1>
      <p className="empty">No alerts. Alerts are raised by the worker from its polls of vCenter and the key servers.</p>
    </>
  );
}
