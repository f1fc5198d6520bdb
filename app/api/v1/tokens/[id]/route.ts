import { revokeApiToken } from '@/lib/auth/api-tokens';
import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const DELETE = withPolicy(async (_request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  await transaction(async (tx, audit) => {
    const revoked = await revokeApiToken(tx, id);
    await audit('token.revoke', { type: 'token', id }, { name: revoked.name });
  });
  return jsonResponse({ revoked: true });
});
