import { HttpError } from '@/lib/http/errors';
import { readParams, readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { fixedKeyQuerySchema, openstackFixedKeyRemoval } from '@/lib/observations/openstack-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

/** The cloud's id or its name (the gate CLI passes what the pipeline knows). */
const params = z.object({ id: z.string().trim().min(1).max(200) });

/** SAFE / BLOCKED: may fixed_key leave cinder.conf and nova.conf? From the last stored poll, failing closed. */
export const GET = withPolicy(async (request, context, { prisma }) => {
  const { id } = await readParams(context, params);
  const { maxAgeSeconds } = readQuery(request, fixedKeyQuerySchema);
  const verdict = await openstackFixedKeyRemoval(prisma, id, staleAfterFromEnv(getEnv()), new Date(), maxAgeSeconds === undefined ? undefined : maxAgeSeconds * 1000);
  if (!verdict) throw new HttpError(404, 'No OpenStack cloud with that id.');
  return jsonResponse(verdict);
});
