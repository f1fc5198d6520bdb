import { getAuthConfig } from '@/lib/auth/config';
import { authCookie } from '@/lib/auth/cookies';
import { HttpError } from '@/lib/http/errors';
import { OIDC_COOKIE, startOidcLogin } from '@/lib/auth/oidc';
import { safeReturnTo } from '@/lib/auth/return-to';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

/** ?reauth=1: step-up for a signed-in SSO user (max_age asks the provider for a fresh authentication). */
export const GET = withPolicy(async (request) => {
  const settings = getAuthConfig().oidc;
  if (!settings) throw new HttpError(404, 'Single sign-on is not configured (KEYWATCH_OIDC_ISSUER).');
  const url = new URL(request.url);
  const redirectUri = new URL('/api/auth/oidc/callback', url.origin).href;
  const start = await startOidcLogin(settings, redirectUri, safeReturnTo(url.searchParams.get('returnTo')), { reauth: url.searchParams.get('reauth') === '1' });
  const response = new Response(null, { status: 302, headers: { location: start.url, 'cache-control': 'no-store' } });
  response.headers.append('set-cookie', authCookie(request, OIDC_COOKIE, start.cookie, { httpOnly: true, sameSite: 'Lax', maxAgeSeconds: 600 }));
  return response;
});
