import { readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { blastRadiusQuerySchema, readBlastRadius } from '@/lib/blast-radius/blast-radius';
import { staleAfterFromEnv } from '@/lib/poller/settings';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => {
  const query = readQuery(request, blastRadiusQuerySchema);
  return jsonResponse(await readBlastRadius(prisma, query, { now: new Date(), freshnessLimitMs: staleAfterFromEnv(getEnv())('vcenter') }));
});
