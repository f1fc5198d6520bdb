import { isAllowed } from '@/lib/auth/policy';
import { withPolicy } from '@/lib/auth/with-policy';
import { readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { hostActionRequestSchema } from '@/lib/readiness/actions';
import { startHostActionFromApi } from '@/lib/readiness/http';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });

export const POST = withPolicy(async (request, context, { prisma, auth, actor, audit, transaction }) => {
  const { id } = await readParams(context, params);
  const body = await readJsonBody(request, hostActionRequestSchema);
  const caller = { name: actor.type === 'anonymous' ? 'anonymous' : actor.name, isAdmin: auth.kind !== 'anonymous' && isAllowed(auth.principal, 'admin') };
  const outcome = await startHostActionFromApi(prisma, id, body, caller, { audit, transaction });
  return jsonResponse(outcome.body, { status: outcome.status });
});
