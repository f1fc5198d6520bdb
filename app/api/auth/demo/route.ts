import { DEMO_USERNAME } from '@/lib/auth/bootstrap';
import { getAuthConfig } from '@/lib/auth/config';
import { assertSameOrigin } from '@/lib/auth/csrf';
import { HttpError } from '@/lib/http/errors';
import { clientIp } from '@/lib/http/request';
import { signInResponse } from '@/lib/auth/sign-in';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

/** Lab / demo mode only: a read-only viewer session without a password. */
export const POST = withPolicy(async (request, _context, { prisma }) => {
  assertSameOrigin(request);
  if (!getAuthConfig().demo) throw new HttpError(404, 'The demo login exists only in lab / demo mode.');
  const user = await prisma.user.findUnique({ where: { username: DEMO_USERNAME } });
  if (!user || !user.isDemo || user.disabled) throw new HttpError(404, 'The demo account is not available.');
  return signInResponse(prisma, request, user, 'demo', clientIp(request));
});
