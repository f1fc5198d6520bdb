import { recordAudit } from '@/lib/audit/record';
import { revokeApiToken } from '@/lib/auth/api-tokens';
import { clientIp, HttpError, idParams, jsonResponse, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const DELETE = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const revoked = await revokeApiToken(prisma, id);
  if (!revoked) throw new HttpError(404, 'No API token with that id.');
  await recordAudit(prisma, { actor, action: 'token.revoke', outcome: 'success', target: { type: 'token', id }, ip: clientIp(request), details: { name: revoked.name } });
  return jsonResponse({ revoked: true });
});
