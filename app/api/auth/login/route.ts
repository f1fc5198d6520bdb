import { z } from 'zod';
import { assertSameOrigin } from '@/lib/auth/csrf';
import { HttpError } from '@/lib/http/errors';
import { clientIp, readJsonBody } from '@/lib/http/request';
import { burnPasswordCheck, verifyPassword } from '@/lib/auth/passwords';
import { checkLoginLimit, recordLoginAttempt } from '@/lib/auth/rate-limit';
import { signInResponse } from '@/lib/auth/sign-in';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

const loginSchema = z.object({
  username: z.string().trim().toLowerCase().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(1024),
});

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  assertSameOrigin(request);
  const { username, password } = await readJsonBody(request, loginSchema, 8 * 1024);
  const ip = clientIp(request);
  // Not signed in yet: the log names the account that was tried.
  const attempted = { type: 'anonymous', name: username } as const;
  const limit = await checkLoginLimit(prisma, username, ip);
  if (!limit.allowed) {
    await audit('auth.login', null, { method: 'password', reason: 'rate-limited' }, { outcome: 'denied', actor: attempted });
    throw new HttpError(429, `Too many failed sign-ins; try again in ${Math.ceil(limit.retryAfterSeconds / 60)} minute(s).`, { headers: { 'retry-after': String(limit.retryAfterSeconds) } });
  }
  const user = await prisma.user.findUnique({ where: { username } });
  const ok = user?.passwordHash && !user.disabled ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);
  await recordLoginAttempt(prisma, username, ip, Boolean(ok));
  if (!ok || !user) {
    await audit('auth.login', null, { method: 'password' }, { outcome: 'failure', actor: attempted });
    throw new HttpError(401, 'Wrong username or password.');
  }
  return signInResponse(prisma, request, user, 'password', ip);
});
