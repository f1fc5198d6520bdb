import { readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { hostsQuerySchema, listHosts } from '@/lib/observations/hosts-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) =>
  jsonResponse(await listHosts(prisma, readQuery(request, hostsQuerySchema), staleAfterFromEnv(getEnv()), new Date())),
);
