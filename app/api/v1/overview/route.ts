import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { readOverview } from '@/lib/overview/overview';
import { staleAfterFromEnv } from '@/lib/poller/settings';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => {
  const env = getEnv();
  return jsonResponse(await readOverview({ prisma, staleAfterMs: staleAfterFromEnv(env), workerStaleMs: env.KEYWATCH_WORKER_STALE_MS, now: new Date() }));
});
