import Link from 'next/link';

export default function SettingsPage() {
  return (
    <>
      <h1>Settings</h1>
      <p className="lede">Administrators manage who may sign in, automation tokens and the vCenters and KMS clusters Keywatch watches.</p>
      <div className="grid">
        <Link className="card" href="/settings/targets">
          <h2>Targets</h2>
          <p>vCenters and KMS providers: add, edit, test the connection, remove.</p>
        </Link>
        <Link className="card" href="/settings/users">
          <h2>Users</h2>
          <p>Local accounts and their roles (viewer, oncall, manager, admin).</p>
        </Link>
        <Link className="card" href="/settings/tokens">
          <h2>API tokens</h2>
          <p>Bearer tokens for patch pipelines and Prometheus scraping.</p>
        </Link>
      </div>
    </>
  );
}
