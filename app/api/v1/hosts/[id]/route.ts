import { HttpError } from '@/lib/http/errors';
import { readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { getHost } from '@/lib/observations/hosts-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, params);
  const host = await getHost(prisma, id, staleAfterFromEnv(getEnv()), new Date());
  if (!host) throw new HttpError(404, 'No host with that id.');
  return jsonResponse(host);
});
