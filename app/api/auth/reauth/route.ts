import { z } from 'zod';
import { HttpError } from '@/lib/http/errors';
import { clientIp, readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { markReauthenticated } from '@/lib/auth/sessions';
import { checkCredentials, credentialRefusal } from '@/lib/auth/sign-in';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

const reauthSchema = z.object({
  password: z.string().min(1, 'is required').max(1024),
  code: z.string().trim().min(1).max(40).optional(),
});

/**
 * Step-up: the signed-in user enters their password again (and their authenticator's code when
 * they have one); the session may then do dangerous things for 5 minutes. SSO users re-enter
 * through GET /api/auth/oidc/login?reauth=1 instead.
 */
export const POST = withPolicy(async (request, _context, { prisma, auth, audit, transaction }) => {
  if (auth.kind !== 'session') throw new HttpError(403, 'Only a signed-in person can confirm their password.');
  const { user, sessionId } = auth.session;
  if (!user.local) throw new HttpError(409, 'This account signs in through single sign-on: confirm it there.');
  const input = await readJsonBody(request, reauthSchema, 8 * 1024);
  const check = await checkCredentials(prisma, getSecretBox(), { username: user.username, password: input.password, code: input.code, ip: clientIp(request) });
  if (check.result !== 'ok') {
    if (check.result !== 'second-factor-required') await audit('auth.reauth', { type: 'user', id: user.id }, { reason: check.result }, { outcome: check.result === 'wrong' ? 'failure' : 'denied' });
    throw credentialRefusal(check, { codeSent: Boolean(input.code) });
  }
  await transaction(async (tx, txAudit) => {
    await markReauthenticated(tx, sessionId);
    await txAudit('auth.reauth', { type: 'user', id: user.id }, { method: 'password', ...(check.secondFactor && { secondFactor: check.secondFactor }) });
  });
  return jsonResponse({ reauthenticated: true });
});
