'use client';

import type { ReactNode } from 'react';
import { useSession } from './use-session';

/** Hides admin screens from other roles (the API refuses them anyway: this only avoids a page of errors). */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { data, isLoading } = useSession();
  if (isLoading || !data) return <p className="empty">Loading…</p>;
  if (data.user?.role !== 'admin') return <p className="warn">Only administrators can change this. You are signed in as {data.user?.role ?? 'nobody'}.</p>;
  return <>{children}</>;
}
