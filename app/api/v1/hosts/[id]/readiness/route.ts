import { withPolicy } from '@/lib/auth/with-policy';
import { readParams, readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { readinessCheck } from '@/lib/readiness/http';
import { HOST_ACTIONS } from '@/lib/readiness/input';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });
const query = z.object({ action: z.enum(HOST_ACTIONS, { message: `action must be one of ${HOST_ACTIONS.join(', ')}` }).default('reboot') });

export const GET = withPolicy(async (request, context, { prisma }) => {
  const { id } = await readParams(context, params);
  const { action } = readQuery(request, query);
  return jsonResponse(await readinessCheck(prisma, id, action));
});
