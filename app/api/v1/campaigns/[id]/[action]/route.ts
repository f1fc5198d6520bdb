import { withPolicy } from '@/lib/auth/with-policy';
import { campaignAction } from '@/lib/campaigns/actions';
import { readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { getSecretBox } from '@/lib/secrets/keyring';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(100), action: z.string().min(1).max(40) });

/** start | pause | resume | retry | remediate (admin); every action is audited by lib/campaigns. */
export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id, action } = await readParams(context, params);
  const body = await readJsonBody(request, z.unknown());
  return jsonResponse(await campaignAction(prisma, getSecretBox(), id, action, body, actor));
});
