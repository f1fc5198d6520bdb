import type { ReactNode } from 'react';
import { requireSignedIn } from '../page-session';

/**
 * Settings: everyone has their own account page; the administration pages gate themselves
 * (AdminOnly). The step-up prompt is in the dashboard shell (admin writes here, host actions on host pages).
 */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session) return null;
  return <>{children}</>;
}
