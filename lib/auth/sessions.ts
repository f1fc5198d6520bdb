import type { PrismaClient } from '../db/client';
import type { Role } from './policy';
import { authCookie, readAuthCookie } from './cookies';
import { getAuthConfig } from './config';
import { randomToken, sha256Hex } from './secure-random';

/** Base names; on anything but plain-http loopback the browser sees `__Host-kw_session` (lib/auth/cookies.ts). */
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
  /** Signs in with a password (not OIDC, not demo): the kind of account TOTP and password change apply to. */
  local: boolean;
  totpEnabled: boolean;
}

export interface ActiveSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  /** Last sign-in or re-entry of the password / SSO: what step-up checks. */
  authenticatedAt: Date;
  user: SessionUser;
}

export interface NewSession {
  cookieValue: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(
  prisma: Pick<PrismaClient, 'session' | 'user'>,
  userId: string,
  opts: { ttlMs: number; ip?: string; userAgent?: string | null; authenticatedAt?: Date },
): Promise<NewSession> {
  const cookieValue = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(Date.now() + opts.ttlMs);
  await prisma.session.create({
    data: {
      id: sha256Hex(cookieValue),
      userId,
      csrfToken,
      expiresAt,
      authenticatedAt: opts.authenticatedAt ?? new Date(),
      ip: opts.ip,
      userAgent: opts.userAgent?.slice(0, 300) ?? null,
    },
  });
  await prisma.user.update({ where: { id: userId }, data: { lastLoginAt: new Date() } });
  return { cookieValue, csrfToken, expiresAt };
}

/** The session id (hash) the request's cookie names, without checking that it is live. */
export function sessionIdOf(request: Request): string | undefined {
  const cookieValue = readAuthCookie(request, SESSION_COOKIE);
  return cookieValue && cookieValue.length <= 200 ? sha256Hex(cookieValue) : undefined;
}

/**
 * The live session named by the request's cookie, or undefined: expired (absolute lifetime),
 * idle longer than KEYWATCH_SESSION_IDLE_MINUTES, revoked, or its user disabled. An idle or
 * expired session is deleted, so it cannot come back.
 */
export async function readSession(prisma: PrismaClient, request: Request): Promise<ActiveSession | undefined> {
  const id = sessionIdOf(request);
  if (!id) return undefined;
  const session = await prisma.session.findUnique({ where: { id }, include: { user: true } });
  if (!session || session.user.disabled) return undefined;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now || now - session.lastSeenAt.getTime() > getAuthConfig().sessionIdleMs) {
    await prisma.session.deleteMany({ where: { id } });
    return undefined;
  }
  // Touch at most once a minute: every request writing a row would serialize busy dashboards.
  if (now - session.lastSeenAt.getTime() > 60_000) {
    await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } }).catch(() => undefined);
  }
  const { user } = session;
  return {
    sessionId: session.id,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
    authenticatedAt: session.authenticatedAt,
    user: {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      isDemo: user.isDemo,
      local: user.passwordHash !== null && !user.isDemo,
      totpEnabled: user.totpSecretEnc !== null,
    },
  };
}

export async function deleteSession(prisma: PrismaClient, sessionId: string): Promise<void> {
  await prisma.session.deleteMany({ where: { id: sessionId } });
}

export async function deleteUserSessions(prisma: Pick<PrismaClient, 'session'>, userId: string, opts: { except?: string } = {}): Promise<void> {
  await prisma.session.deleteMany({ where: { userId, ...(opts.except && { id: { not: opts.except } }) } });
}

/** Records a fresh proof of identity on the session (password re-entry or SSO with max_age). */
export async function markReauthenticated(prisma: Pick<PrismaClient, 'session'>, sessionId: string, at = new Date()): Promise<void> {
  await prisma.session.update({ where: { id: sessionId }, data: { authenticatedAt: at, lastSeenAt: new Date() } });
}

export function sessionCookies(request: Request, session: NewSession): string[] {
  const maxAgeSeconds = (session.expiresAt.getTime() - Date.now()) / 1000;
  return [
    authCookie(request, SESSION_COOKIE, session.cookieValue, { httpOnly: true, sameSite: 'Lax', maxAgeSeconds }),
    authCookie(request, CSRF_COOKIE, session.csrfToken, { httpOnly: false, sameSite: 'Strict', maxAgeSeconds }),
  ];
}

export function clearedSessionCookies(request: Request): string[] {
  return [
    authCookie(request, SESSION_COOKIE, '', { httpOnly: true, sameSite: 'Lax', maxAgeSeconds: 0 }),
    authCookie(request, CSRF_COOKIE, '', { httpOnly: false, sameSite: 'Strict', maxAgeSeconds: 0 }),
  ];
}
