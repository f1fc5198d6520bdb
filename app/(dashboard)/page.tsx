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

export default async function OverviewPage() {
  const session = await requireSignedIn();
  // What GET /api/v1/overview needs; without it the board asks the API and shows its refusal.
  const allowed = session !== null && isAllowed(session.auth.principal, 'read');
  const env = getEnv();
  const overview = allowed
    ? await readOverview({ prisma: getPrisma(), staleAfterMs: staleAfterFromEnv(env), workerStaleMs: env.KEYWATCH_WORKER_STALE_MS, now: new Date() })
    : null;
  const board = (
    <>
      <h1>Overview</h1>
      <p className="lede">Will each host&apos;s disks and VMs come back after a reboot? Keywatch watches the key providers that decide it.</p>
      <OverviewBoard />
    </>
  );
  // Through JSON, as the API answers it (dates as strings).
  return overview ? <ServerQueryData entries={[[queryKeys.overview(), JSON.parse(JSON.stringify(overview)) as unknown]]}>{board}</ServerQueryData> : board;
}
