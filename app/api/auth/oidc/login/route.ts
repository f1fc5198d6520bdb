import { getAuthConfig } from '@/lib/auth/config';
import { isHttps, serializeCookie } from '@/lib/auth/cookies';
import { HttpError } from '@/lib/http/errors';
import { OIDC_COOKIE, startOidcLogin } from '@/lib/auth/oidc';
import { safeReturnTo } from '@/lib/auth/return-to';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request) => {
  const settings = getAuthConfig().oidc;
  if (!settings) throw new HttpError(404, 'Single sign-on is not configured (KEYWATCH_OIDC_ISSUER).');
  const url = new URL(request.url);
  const redirectUri = new URL('/api/auth/oidc/callback', url.origin).href;
  const start = await startOidcLogin(settings, redirectUri, safeReturnTo(url.searchParams.get('returnTo')));
  const response = new Response(null, { status: 302, headers: { location: start.url, 'cache-control': 'no-store' } });
  response.headers.append('set-cookie', serializeCookie(OIDC_COOKIE, start.cookie, { httpOnly: true, secure: isHttps(request), sameSite: 'Lax', maxAgeSeconds: 600 }));
  return response;
});
