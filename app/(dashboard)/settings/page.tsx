import Link from 'next/link';
import { isAllowed } from '@/lib/auth/policy';
import { requireSignedIn } from '../page-session';

export default async function SettingsPage() {
  const session = await requireSignedIn();
  if (!session) return null;
  const admin = isAllowed(session.auth.principal, 'admin');
  return (
    <>
      <h1>Settings</h1>
      <p className="lede">{admin ? 'Your account, and what administrators manage: who may sign in, automation tokens and the vCenters and KMS clusters Keywatch watches.' : 'Your account.'}</p>
      <div className="grid">
        <Link className="card" href="/settings/account">
          <h2>Account</h2>
          <p>Your password and authenticator app (two-step sign-in).</p>
        </Link>
        {admin && (
          <>
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
          </>
        )}
      </div>
    </>
  );
}
