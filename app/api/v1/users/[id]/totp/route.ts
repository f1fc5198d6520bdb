import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { removeSecondFactor } from '@/lib/auth/second-factor';
import { deleteUserSessions } from '@/lib/auth/sessions';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

/** Admin reset for a lost authenticator: removes it and the recovery codes, ends the user's sessions. */
export const DELETE = withPolicy(async (_request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  await transaction(async (tx, audit) => {
    const { username, wasEnabled } = await removeSecondFactor(tx, id);
    await deleteUserSessions(tx, id);
    await audit('auth.totp.remove', { type: 'user', id }, { by: 'admin', username, wasEnabled });
  });
  return jsonResponse({ removed: true });
});
