import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { listOpenstackCloudViews } from '@/lib/observations/openstack-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) =>
  jsonResponse({ clouds: await listOpenstackCloudViews(prisma, staleAfterFromEnv(getEnv()), new Date()) }),
);
