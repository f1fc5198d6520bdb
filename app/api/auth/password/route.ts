import { HttpError } from '@/lib/http/errors';
import { clientIp, readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { hashPassword } from '@/lib/auth/passwords';
import { markReauthenticated } from '@/lib/auth/sessions';
import { checkCredentials, credentialRefusal } from '@/lib/auth/sign-in';
import { changePasswordSchema, setOwnPassword } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

/**
 * Self-service password change: the current password proves it is the owner (a borrowed
 * unlocked browser is not enough; the second factor was passed at sign-in); the new one must
 * pass the length rule and not be in the breached list. Every other session of the user ends.
 */
export const POST = withPolicy(async (request, _context, { prisma, auth, audit, transaction }) => {
  if (auth.kind !== 'session') throw new HttpError(403, 'Only a signed-in person can change their password.');
  const { user, sessionId } = auth.session;
  if (!user.local) throw new HttpError(409, user.isDemo ? 'The demo account has no password.' : 'This account signs in through single sign-on; change the password there.');
  const input = await readJsonBody(request, changePasswordSchema, 8 * 1024);
  const check = await checkCredentials(prisma, getSecretBox(), { username: user.username, password: input.currentPassword, ip: clientIp(request), skipSecondFactor: true });
  if (check.result !== 'ok') {
    await audit('auth.password', { type: 'user', id: user.id }, { reason: check.result }, { outcome: check.result === 'wrong' ? 'failure' : 'denied' });
    if (check.result === 'wrong') throw new HttpError(400, 'The current password is wrong.', { fieldErrors: { currentPassword: ['is wrong'] } });
    throw credentialRefusal(check);
  }
  const passwordHash = await hashPassword(input.newPassword);
  await transaction(async (tx, txAudit) => {
    await setOwnPassword(tx, user.id, passwordHash, sessionId);
    await markReauthenticated(tx, sessionId);
    await txAudit('auth.password', { type: 'user', id: user.id }, { changed: 'own password' });
  });
  return jsonResponse({ changed: true });
});
