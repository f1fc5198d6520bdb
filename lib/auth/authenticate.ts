import type { PrismaClient } from '../db/client';
import { verifyApiToken } from './api-tokens';
import type { Principal } from './policy';
import { readSession, type ActiveSession } from './sessions';
import { HttpError } from '../http/errors';

export type Authentication =
  | { kind: 'anonymous' }
  | { kind: 'session'; principal: Extract<Principal, { kind: 'user' }>; session: ActiveSession }
  | { kind: 'token'; principal: Extract<Principal, { kind: 'token' }> };

/**
 * Who is calling: a bearer token when an Authorization header is present (a bad token is a 401,
 * never a silent fall-back to the cookie), otherwise the session cookie, otherwise anonymous.
 */
export async function authenticate(prisma: PrismaClient, request: Request): Promise<Authentication> {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new HttpError(401, 'The Authorization header must be "Bearer <token>".', { headers: { 'www-authenticate': 'Bearer' } });
    const token = await verifyApiToken(prisma, match[1]!);
    if (!token) throw new HttpError(401, 'The API token is unknown, expired or revoked.', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    return { kind: 'token', principal: { kind: 'token', ...token } };
  }
  const session = await readSession(prisma, request);
  if (session) {
    const { user } = session;
    return { kind: 'session', session, principal: { kind: 'user', id: user.id, username: user.username, role: user.role, isDemo: user.isDemo } };
  }
  return { kind: 'anonymous' };
}

/** The headers a page or server action may be identified by: the session cookie, never a bearer token. */
const PAGE_HEADERS = ['cookie', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * A Request standing in for a page render or server action, which Next hands headers rather than a
 * Request: only the session cookie and the client address come across, so `authenticate` sees a
 * browser session or nobody.
 */
export function pageRequest(incoming: { get(name: string): string | null }): Request {
  const headers = new Headers();
  for (const name of PAGE_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Request('http://keywatch.local/', { method: 'GET', headers });
}
