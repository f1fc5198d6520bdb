import { revokeApiToken } from '@/lib/auth/api-tokens';
import { HttpError } from '@/lib/http/errors';
import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const DELETE = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const revoked = await revokeApiToken(prisma, id);
  if (!revoked) throw new HttpError(404, 'No API token with that id.');
  await audit('token.revoke', { type: 'token', id }, { name: revoked.name });
  return jsonResponse({ revoked: true });
});
