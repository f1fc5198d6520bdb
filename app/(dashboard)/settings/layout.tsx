import type { ReactNode } from 'react';
import { requireSignedIn } from '../page-session';
import { ReauthDialog } from './ReauthDialog';

/**
 * Settings: everyone has their own account page; the administration pages gate themselves
 * (AdminOnly). The step-up prompt lives here because the dangerous writes do.
 */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session) return null;
  return (
    <>
      {children}
      <ReauthDialog />
    </>
  );
}
