import type { ReactNode } from 'react';
import { isAllowed } from '@/lib/auth/policy';
import { requireSignedIn } from '../page-session';

/**
 * Settings are for administrators: other roles see why instead of a page of refused requests
 * (the API refuses them anyway).
 */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session) return null;
  if (isAllowed(session.auth.principal, 'admin')) return children;
  return (
    <>
      <h1>Settings</h1>
      <p className="warn">Only administrators can change this. You are signed in as {session.auth.principal.role}.</p>
    </>
  );
}
