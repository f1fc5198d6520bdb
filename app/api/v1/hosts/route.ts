import { readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { hostsQuerySchema, listHosts } from '@/lib/observations/hosts-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { storedVerdicts } from '@/lib/readiness/stored-verdicts';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => {
  const query = readQuery(request, hostsQuerySchema);
  const staleAfterMs = staleAfterFromEnv(getEnv());
  const now = new Date();
  // A list may be one estate read behind the last poll: it does not wait for a read under way.
  const verdicts = await storedVerdicts(prisma, { now, freshnessLimitMs: staleAfterMs('vcenter'), staleWhileReading: true });
  return jsonResponse(await listHosts(prisma, query, staleAfterMs, now, verdicts));
});
