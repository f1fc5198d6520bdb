import { AuditLogTable } from './AuditLogTable';

export default function AuditPage() {
  return (
    <>
      <h1>Audit</h1>
      <p className="lede">Every sign-in, change, gate decision and action, newest first. The log is append-only.</p>
      <AuditLogTable />
    </>
  );
}
