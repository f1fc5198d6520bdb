import { HttpError } from '@/lib/http/errors';
import { readParams, readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { getKeyProvider } from '@/lib/observations/key-providers-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(200) });
const query = z.object({ keyLimit: z.coerce.number().int().min(1).max(5000).default(500) });

export const GET = withPolicy(async (request, context, { prisma }) => {
  const { id } = await readParams(context, params);
  const provider = await getKeyProvider(prisma, id, staleAfterFromEnv(getEnv()), new Date(), readQuery(request, query).keyLimit);
  if (!provider) throw new HttpError(404, 'No key provider with that id.');
  return jsonResponse(provider);
});
