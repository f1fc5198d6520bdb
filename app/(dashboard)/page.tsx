import { Suspense } from 'react';
import { isAllowed } from '@/lib/auth/policy';
import { getEnv } from '@/lib/config/server-env';
import { getPrisma } from '@/lib/db/client';
import { readOverview } from '@/lib/overview/overview';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { requireSignedIn } from './page-session';
import { OverviewBoard } from './OverviewBoard';

export const dynamic = 'force-dynamic';

/** The board with the estate read on the server; streamed after the page's heading. */
async function ServerRenderedBoard({ allowed }: { allowed: boolean }) {
  // What GET /api/v1/overview needs; without it the board asks the API and shows its refusal.
  if (!allowed) return <OverviewBoard />;
  const env = getEnv();
  const overview = await readOverview({ prisma: getPrisma(), staleAfterMs: staleAfterFromEnv(env), workerStaleMs: env.KEYWATCH_WORKER_STALE_MS, now: new Date() });
  // Through JSON, as the API answers it (dates as strings).
  return (
    <ServerQueryData entries={[[queryKeys.overview(), JSON.parse(JSON.stringify(overview)) as unknown]]}>
      <OverviewBoard />
    </ServerQueryData>
  );
}

export default async function OverviewPage() {
  const session = await requireSignedIn();
  return (
    <>
      <h1>Overview</h1>
      <p className="lede">Will each host&apos;s disks and VMs come back after a reboot? Keywatch watches the key providers that decide it.</p>
      {/* The heading paints at once; the board follows in the same response when the estate is read. */}
      <Suspense
        fallback={
          <p className="load-state" role="status">
            <span className="spinner" aria-hidden />
            Reading the estate…
          </p>
        }
      >
        <ServerRenderedBoard allowed={session !== null && isAllowed(session.auth.principal, 'read')} />
      </Suspense>
    </>
  );
}
