import { z } from 'zod';
import { consumeSetupToken, isLiveSetupToken } from '@/lib/auth/bootstrap';
import { assertSameOrigin } from '@/lib/auth/csrf';
import { HttpError } from '@/lib/http/errors';
import { clientIp, readJsonBody } from '@/lib/http/request';
import { hashPassword } from '@/lib/auth/passwords';
import { attemptSucceeded, claimAttempt, SETUP_ATTEMPT } from '@/lib/auth/rate-limit';
import { signInResponse } from '@/lib/auth/sign-in';
import { passwordSchema, usernameSchema } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

const setupSchema = z.object({ token: z.string().min(10).max(200), username: usernameSchema, password: passwordSchema });

/**
 * First-run: the one-time link from the server log creates the first admin. Anonymous, so the
 * cheap checks come first: the address's attempt limit, then the token (a hash look-up); only a
 * live token earns an argon2 hash, and the token is spent in the transaction that creates the user.
 */
export const POST = withPolicy(async (request, _context, { prisma, audit, transaction }) => {
  assertSameOrigin(request);
  const input = await readJsonBody(request, setupSchema, 8 * 1024);
  const ip = clientIp(request);
  const claim = await claimAttempt(prisma, { username: SETUP_ATTEMPT, ip, perUsername: false });
  if (!claim.allowed) {
    await audit('auth.setup', null, { reason: 'rate-limited' }, { outcome: 'denied', actor: { type: 'anonymous' } });
    throw new HttpError(429, 'Too many wrong setup links from this address; try again later.', { headers: { 'retry-after': String(claim.retryAfterSeconds) } });
  }
  const refused = () => new HttpError(403, 'This setup link is invalid, expired or already used; restart Keywatch to print a new one.');
  if (!(await isLiveSetupToken(prisma, input.token))) {
    await audit('auth.setup', null, undefined, { outcome: 'failure', actor: { type: 'anonymous' } });
    throw refused();
  }
  const passwordHash = await hashPassword(input.password);
  const user = await transaction(async (tx, txAudit) => {
    if (!(await consumeSetupToken(tx, input.token))) throw refused();
    if ((await tx.user.count({ where: { isDemo: false } })) > 0) throw new HttpError(409, 'Keywatch already has users; sign in instead.');
    const created = await tx.user.create({ data: { username: input.username, role: 'admin', passwordHash } });
    await txAudit('auth.setup', { type: 'user', id: created.id }, undefined, { actor: { type: 'user', id: created.id, name: created.username } });
    return created;
  });
  await attemptSucceeded(prisma, claim.attemptId, SETUP_ATTEMPT);
  return signInResponse(prisma, request, user, 'setup', ip);
});
