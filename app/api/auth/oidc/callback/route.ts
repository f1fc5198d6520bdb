import { getAuthConfig } from '@/lib/auth/config';
import { isHttps, readCookie, serializeCookie } from '@/lib/auth/cookies';
import { HttpError } from '@/lib/http/errors';
import { clientIp } from '@/lib/http/request';
import { finishOidcLogin, OIDC_COOKIE } from '@/lib/auth/oidc';
import { openSignedInSession } from '@/lib/auth/sign-in';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma, audit }) => {
  const config = getAuthConfig();
  if (!config.oidc) throw new HttpError(404, 'Single sign-on is not configured (KEYWATCH_OIDC_ISSUER).');
  const ip = clientIp(request);
  const url = new URL(request.url);
  let signedIn;
  try {
    signedIn = await finishOidcLogin(prisma, config.oidc, url, readCookie(request, OIDC_COOKIE));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await audit('auth.login', null, { method: 'oidc', reason }, { outcome: 'failure', actor: { type: 'anonymous' } });
    const back = new URL('/login', url.origin);
    back.searchParams.set('error', reason.slice(0, 200));
    return new Response(null, { status: 302, headers: { location: back.pathname + back.search } });
  }
  const { cookies } = await openSignedInSession(prisma, request, { id: signedIn.userId, username: signedIn.username }, 'oidc', ip);
  const response = new Response(null, { status: 302, headers: { location: signedIn.returnTo, 'cache-control': 'no-store' } });
  for (const cookie of cookies) response.headers.append('set-cookie', cookie);
  response.headers.append('set-cookie', serializeCookie(OIDC_COOKIE, '', { httpOnly: true, secure: isHttps(request), sameSite: 'Lax', maxAgeSeconds: 0 }));
  return response;
});
