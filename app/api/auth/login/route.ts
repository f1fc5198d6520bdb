import { z } from 'zod';
import { recordAudit } from '@/lib/audit/record';
import { assertSameOrigin } from '@/lib/auth/csrf';
import { clientIp, HttpError, readJsonBody } from '@/lib/auth/http';
import { burnPasswordCheck, verifyPassword } from '@/lib/auth/passwords';
import { checkLoginLimit, recordLoginAttempt } from '@/lib/auth/rate-limit';
import { signInResponse } from '@/lib/auth/sign-in';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

const loginSchema = z.object({
  username: z.string().trim().toLowerCase().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(1024),
});

export const POST = withPolicy(async (request, _context, { prisma }) => {
  assertSameOrigin(request);
  const { username, password } = await readJsonBody(request, loginSchema, 8 * 1024);
  const ip = clientIp(request);
  const limit = await checkLoginLimit(prisma, username, ip);
  if (!limit.allowed) {
    await recordAudit(prisma, { actor: { type: 'anonymous', name: username }, action: 'auth.login', outcome: 'denied', ip, details: { method: 'password', reason: 'rate-limited' } });
    throw new HttpError(429, `Too many failed sign-ins; try again in ${Math.ceil(limit.retryAfterSeconds / 60)} minute(s).`, {}, { 'retry-after': String(limit.retryAfterSeconds) });
  }
  const user = await prisma.user.findUnique({ where: { username } });
  const ok = user?.passwordHash && !user.disabled ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);
  await recordLoginAttempt(prisma, username, ip, Boolean(ok));
  if (!ok || !user) {
    await recordAudit(prisma, { actor: { type: 'anonymous', name: username }, action: 'auth.login', outcome: 'failure', ip, details: { method: 'password' } });
    throw new HttpError(401, 'Wrong username or password.');
  }
  return signInResponse(prisma, request, user, 'password', ip);
});
