import { withPolicy } from '@/lib/auth/with-policy';
import { readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { getHostAction } from '@/lib/readiness/actions';
import { resolveHost } from '@/lib/readiness/sources';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300), actionId: z.string().min(1).max(100) });

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id, actionId } = await readParams(context, params);
  return jsonResponse(await getHostAction(prisma, await resolveHost(prisma, id), actionId));
});
