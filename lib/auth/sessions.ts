import type { PrismaClient } from '../db/client';
import type { Role } from './policy';
import { isHttps, readCookie, serializeCookie } from './cookies';
import { randomToken, sha256Hex } from './secure-random';

export const SESSION_COOKIE = 'kw_session';
/** Readable by the page's script, which echoes it in x-csrf-token (double submit). */
export const CSRF_COOKIE = 'kw_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionUser {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  isDemo: boolean;
}

export interface ActiveSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  user: SessionUser;
}

export interface NewSession {
  cookieValue: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(
  prisma: PrismaClient,
  userId: string,
  opts: { ttlMs: number; ip?: string; userAgent?: string | null },
): Promise<NewSession> {
  const cookieValue = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(Date.now() + opts.ttlMs);
  await prisma.session.create({
    data: { id: sha256Hex(cookieValue), userId, csrfToken, expiresAt, ip: opts.ip, userAgent: opts.userAgent?.slice(0, 300) ?? null },
  });
  await prisma.user.update({ where: { id: userId }, data: { lastLoginAt: new Date() } });
  return { cookieValue, csrfToken, expiresAt };
}

/** The live session named by the request's cookie, or undefined (expired, revoked, disabled user). */
export async function readSession(prisma: PrismaClient, request: Request): Promise<ActiveSession | undefined> {
  const cookieValue = readCookie(request, SESSION_COOKIE);
  if (!cookieValue || cookieValue.length > 200) return undefined;
  const session = await prisma.session.findUnique({ where: { id: sha256Hex(cookieValue) }, include: { user: true } });
  if (!session || session.expiresAt <= new Date() || session.user.disabled) return undefined;
  // Touch at most once a minute: every request writing a row would serialize busy dashboards.
  if (Date.now() - session.lastSeenAt.getTime() > 60_000) {
    await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date() } }).catch(() => undefined);
  }
  const { user } = session;
  return {
    sessionId: session.id,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
    user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role, isDemo: user.isDemo },
  };
}

export async function deleteSession(prisma: PrismaClient, sessionId: string): Promise<void> {
  await prisma.session.deleteMany({ where: { id: sessionId } });
}

export async function deleteUserSessions(prisma: PrismaClient, userId: string): Promise<void> {
  await prisma.session.deleteMany({ where: { userId } });
}

export function sessionCookies(request: Request, session: NewSession, secureSetting: 'auto' | 'always' | 'never'): string[] {
  const secure = secureSetting === 'always' || (secureSetting === 'auto' && isHttps(request));
  const maxAgeSeconds = (session.expiresAt.getTime() - Date.now()) / 1000;
  return [
    serializeCookie(SESSION_COOKIE, session.cookieValue, { httpOnly: true, secure, sameSite: 'Lax', maxAgeSeconds }),
    serializeCookie(CSRF_COOKIE, session.csrfToken, { httpOnly: false, secure, sameSite: 'Strict', maxAgeSeconds }),
  ];
}

export function clearedSessionCookies(request: Request): string[] {
  const secure = isHttps(request);
  return [
    serializeCookie(SESSION_COOKIE, '', { httpOnly: true, secure, sameSite: 'Lax', maxAgeSeconds: 0 }),
    serializeCookie(CSRF_COOKIE, '', { httpOnly: false, secure, sameSite: 'Strict', maxAgeSeconds: 0 }),
  ];
}
