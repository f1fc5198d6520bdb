import { HttpError } from '@/lib/http/errors';
import { jsonResponse } from '@/lib/http/response';
import { getAuthConfig } from '@/lib/auth/config';
import { AccountError, removeSecondFactor, secondFactorStatus, startTotpEnrolment } from '@/lib/auth/second-factor';
import { withPolicy, type RequestContext } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

function signedInUser(auth: RequestContext['auth']) {
  if (auth.kind !== 'session') throw new HttpError(403, 'Only a signed-in person has a second factor.');
  return auth.session.user;
}

/** Whether the signed-in user has an authenticator, and whether admins must. */
export const GET = withPolicy(async (_request, _context, { prisma, auth }) => {
  const user = signedInUser(auth);
  return jsonResponse({ ...(await secondFactorStatus(prisma, user.id)), available: user.local, requiredForAdmins: getAuthConfig().adminTotpRequired });
});

/** Starts enrolment: the secret and otpauth:// URI, shown once; confirmed by POST /api/auth/totp/confirm. */
export const POST = withPolicy(async (_request, _context, { auth, transaction }) => {
  const user = signedInUser(auth);
  const started = await transaction(async (tx, audit) => {
    const result = await startTotpEnrolment(tx, getSecretBox(), user.id);
    await audit('auth.totp.enrol', { type: 'user', id: user.id }, { step: 'started' });
    return result;
  });
  return jsonResponse(started, { status: 201 });
});

/** Removes one's own authenticator (not allowed for admins when KEYWATCH_ADMIN_TOTP=required). */
export const DELETE = withPolicy(async (_request, _context, { auth, transaction }) => {
  const user = signedInUser(auth);
  if (user.role === 'admin' && getAuthConfig().adminTotpRequired) throw new AccountError('not-allowed', 'Administrators must keep a second factor (KEYWATCH_ADMIN_TOTP=required); set up a new one instead.');
  await transaction(async (tx, audit) => {
    const { wasEnabled } = await removeSecondFactor(tx, user.id);
    await audit('auth.totp.remove', { type: 'user', id: user.id }, { by: 'self', wasEnabled });
  });
  return jsonResponse({ removed: true });
});
