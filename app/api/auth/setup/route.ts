import { z } from 'zod';
import { consumeSetupToken } from '@/lib/auth/bootstrap';
import { assertSameOrigin } from '@/lib/auth/csrf';
import { HttpError } from '@/lib/http/errors';
import { clientIp, readJsonBody } from '@/lib/http/request';
import { hashPassword } from '@/lib/auth/passwords';
import { signInResponse } from '@/lib/auth/sign-in';
import { passwordSchema, usernameSchema } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

const setupSchema = z.object({ token: z.string().min(10).max(200), username: usernameSchema, password: passwordSchema });

/** First-run: the one-time link from the server log creates the first admin. */
export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  assertSameOrigin(request);
  const input = await readJsonBody(request, setupSchema, 8 * 1024);
  const ip = clientIp(request);
  const passwordHash = await hashPassword(input.password);
  if (!(await consumeSetupToken(prisma, input.token))) {
    await audit('auth.setup', null, undefined, { outcome: 'failure', actor: { type: 'anonymous' } });
    throw new HttpError(403, 'This setup link is invalid, expired or already used; restart Keywatch to print a new one.');
  }
  if ((await prisma.user.count({ where: { isDemo: false } })) > 0) throw new HttpError(409, 'Keywatch already has users; sign in instead.');
  const user = await prisma.user.create({ data: { username: input.username, role: 'admin', passwordHash } });
  await audit('auth.setup', { type: 'user', id: user.id }, undefined, { actor: { type: 'user', id: user.id, name: user.username } });
  return signInResponse(prisma, request, user, 'setup', ip);
});
