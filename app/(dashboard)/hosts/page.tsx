export default function HostsPage() {
  return (
    <>
      <h1>Hosts</h1>
      <p className="empty">No hosts recorded yet. Hosts appear here once the worker has polled a vCenter.</p>
    </>
  );
}
