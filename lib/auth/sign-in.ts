import type { PrismaClient } from '../db/client';
import { recordAudit } from '../audit/record';
import { getAuthConfig } from './config';
import { jsonResponse } from '../http/response';
import { readCookie } from './cookies';
import { sha256Hex } from './secure-random';
import { createSession, SESSION_COOKIE, sessionCookies } from './sessions';

type SignInMethod = 'password' | 'setup' | 'demo' | 'oidc';

/**
 * Opens a session for a user who just proved who they are and audits it. Every sign-in method
 * comes through here; the caller puts the cookies on whatever response it sends (JSON or a redirect).
 */
export async function openSignedInSession(
  prisma: PrismaClient,
  request: Request,
  user: { id: string; username: string },
  method: SignInMethod,
  ip: string,
): Promise<{ csrfToken: string; cookies: string[] }> {
  const config = getAuthConfig();
  // A session that existed before this sign-in (maybe planted) is not carried over.
  const previous = readCookie(request, SESSION_COOKIE);
  if (previous) await prisma.session.deleteMany({ where: { id: sha256Hex(previous) } });
  const session = await createSession(prisma, user.id, { ttlMs: config.sessionTtlMs, ip, userAgent: request.headers.get('user-agent') });
  await recordAudit(prisma, { actor: { type: 'user', id: user.id, name: user.username }, action: 'auth.login', outcome: 'success', target: { type: 'user', id: user.id }, ip, details: { method } });
  return { csrfToken: session.csrfToken, cookies: sessionCookies(request, session, config.sessionSecure) };
}

/** The JSON answer of the sign-in routes: who signed in, the CSRF token, the session cookies. */
export async function signInResponse(
  prisma: PrismaClient,
  request: Request,
  user: { id: string; username: string; role: string },
  method: Exclude<SignInMethod, 'oidc'>,
  ip: string,
): Promise<Response> {
  const { csrfToken, cookies } = await openSignedInSession(prisma, request, user, method, ip);
  const response = jsonResponse({ user: { id: user.id, username: user.username, role: user.role }, csrfToken });
  for (const cookie of cookies) response.headers.append('set-cookie', cookie);
  return response;
}
