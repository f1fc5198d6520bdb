import { NextResponse, type NextRequest } from 'next/server';
import { PAGE_PATH_HEADER } from './lib/auth/return-to';
import { contentSecurityPolicy, staticSecurityHeaders } from './lib/auth/security-headers';

/**
 * Security headers for every response. Authorization is NOT decided here: route handlers enforce
 * it through lib/auth/with-policy (a proxy can be skipped by matcher mistakes; handlers cannot).
 */
export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const https = (request.headers.get('x-forwarded-proto') ?? request.nextUrl.protocol.replace(':', '')) === 'https';
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const requestHeaders = new Headers(request.headers);
  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  requestHeaders.set('content-security-policy', csp);
  requestHeaders.set('x-nonce', nonce);
  // Always overwritten, so a client cannot choose it; the dashboard's sign-in gate returns here.
  requestHeaders.set(PAGE_PATH_HEADER, request.nextUrl.pathname);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders({ https }))) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [{ source: '/((?!_next/static|_next/image|favicon.ico).*)' }],
};
