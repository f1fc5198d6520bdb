import { notFound, redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { isAllowed } from '@/lib/auth/policy';
import { getEnv } from '@/lib/config/server-env';
import { getPrisma } from '@/lib/db/client';
import { getHost } from '@/lib/observations/hosts-view';
import { resolveHost } from '@/lib/readiness/sources';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { requireSignedIn } from '../../page-session';
import { hostIdParam } from './host-id';

export default async function HostLayout({ params, children }: { params: Promise<{ id: string }>; children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session || !isAllowed(session.auth.principal, 'read')) return null; // what GET /api/v1/hosts/[id] needs
  const { id } = await params;
  const host = await getHost(getPrisma(), hostIdParam(id), staleAfterFromEnv(getEnv()), new Date());
  if (!host) {
    // Operators type host names (as the gate CLI does): send them to the host's canonical address.
    const named = await resolveHost(getPrisma(), hostIdParam(id)).catch(() => null);
    if (named) redirect(`/hosts/${encodeURIComponent(named.rowId)}`);
    notFound();
  }
  // Through JSON, as the API answers it (dates as strings).
  return <ServerQueryData entries={[[queryKeys.hostDetail(hostIdParam(id)), JSON.parse(JSON.stringify(host)) as unknown]]}>{children}</ServerQueryData>;
}
