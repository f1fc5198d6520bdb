export default function AuditPage() {
  return (
    <>
      <h1>Audit</h1>
      <p className="empty">No audit events yet.</p>
    </>
  );
}
