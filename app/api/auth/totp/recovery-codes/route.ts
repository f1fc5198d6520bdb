import { HttpError } from '@/lib/http/errors';
import { jsonResponse } from '@/lib/http/response';
import { regenerateRecoveryCodes } from '@/lib/auth/second-factor';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

/** New recovery codes (the old ones stop working), shown once. */
export const POST = withPolicy(async (_request, _context, { auth, transaction }) => {
  if (auth.kind !== 'session') throw new HttpError(403, 'Only a signed-in person has a second factor.');
  const user = auth.session.user;
  const result = await transaction(async (tx, audit) => {
    const codes = await regenerateRecoveryCodes(tx, user.id);
    await audit('auth.totp.recovery-codes', { type: 'user', id: user.id }, { count: codes.recoveryCodes.length });
    return codes;
  });
  return jsonResponse(result);
});
