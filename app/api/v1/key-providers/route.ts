import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { listKeyProviders } from '@/lib/observations/key-providers-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) =>
  jsonResponse({ keyProviders: await listKeyProviders(prisma, staleAfterFromEnv(getEnv()), new Date()) }),
);
