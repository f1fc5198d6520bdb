import type { ReactNode } from 'react';
import { isAllowed } from '@/lib/auth/policy';
import { readPageSession } from '../page-session';

/**
 * Settings are for administrators: other roles see why instead of a page of refused requests
 * (the API refuses them anyway).
 */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const session = await readPageSession();
  if (session.state === 'signed-in' && isAllowed(session.auth.principal, 'admin')) return children;
  const role = session.state === 'signed-in' ? session.auth.principal.role : 'nobody';
  return (
    <>
      <h1>Settings</h1>
      <p className="warn">Only administrators can change this. You are signed in as {role}.</p>
    </>
  );
}
