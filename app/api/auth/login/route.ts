import { z } from 'zod';
import { assertSameOrigin } from '@/lib/auth/csrf';
import { clientIp, readJsonBody } from '@/lib/http/request';
import { checkCredentials, credentialRefusal, signInResponse } from '@/lib/auth/sign-in';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

const loginSchema = z.object({
  username: z.string().trim().toLowerCase().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(1024),
  /** The authenticator's 6 digits or a recovery code, for accounts with a second factor. */
  code: z.string().trim().min(1).max(40).optional(),
});

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  assertSameOrigin(request);
  const { username, password, code } = await readJsonBody(request, loginSchema, 8 * 1024);
  const ip = clientIp(request);
  const check = await checkCredentials(prisma, getSecretBox(), { username, password, code, ip });
  if (check.result !== 'ok') {
    // Not signed in yet: the log names the account that was tried.
    const attempted = { type: 'anonymous', name: username } as const;
    if (check.result === 'rate-limited') await audit('auth.login', null, { method: 'password', reason: 'rate-limited' }, { outcome: 'denied', actor: attempted });
    if (check.result === 'wrong') await audit('auth.login', null, { method: 'password', ...(code && { secondFactor: true }) }, { outcome: 'failure', actor: attempted });
    throw credentialRefusal(check, { codeSent: Boolean(code) });
  }
  return signInResponse(prisma, request, check.user, 'password', ip, check.secondFactor ? { secondFactor: check.secondFactor } : undefined);
});
