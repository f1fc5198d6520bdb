import type { PrismaClient } from '../db/client';
import { recordAudit } from '../audit/record';
import { getAuthConfig } from './config';
import { jsonResponse } from './http';
import { readCookie } from './cookies';
import { sha256Hex } from './secure-random';
import { createSession, SESSION_COOKIE, sessionCookies } from './sessions';

/** Opens a session for a user who just proved who they are, answers with its cookies, audits it. */
export async function signInResponse(
  prisma: PrismaClient,
  request: Request,
  user: { id: string; username: string; role: string },
  method: 'password' | 'setup' | 'demo' | 'oidc',
  ip: string,
  body: Record<string, unknown> = {},
): Promise<Response> {
  const config = getAuthConfig();
  // A session that existed before this sign-in (maybe planted) is not carried over.
  const previous = readCookie(request, SESSION_COOKIE);
  if (previous) await prisma.session.deleteMany({ where: { id: sha256Hex(previous) } });
  const session = await createSession(prisma, user.id, { ttlMs: config.sessionTtlMs, ip, userAgent: request.headers.get('user-agent') });
  await recordAudit(prisma, { actor: { type: 'user', id: user.id, name: user.username }, action: 'auth.login', outcome: 'success', target: { type: 'user', id: user.id }, ip, details: { method } });
  const response = jsonResponse({ user: { id: user.id, username: user.username, role: user.role }, csrfToken: session.csrfToken, ...body });
  for (const cookie of sessionCookies(request, session, config.sessionSecure)) response.headers.append('set-cookie', cookie);
  return response;
}
