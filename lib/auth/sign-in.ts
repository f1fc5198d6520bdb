import type { PrismaClient } from '../db/client';
import { recordAudit } from '../audit/record';
import type { SecretBox } from '../secrets/keyring';
import { getAuthConfig } from './config';
import { DomainError, HttpError } from '../http/errors';
import { jsonResponse } from '../http/response';
import { burnPasswordCheck, verifyPassword } from './passwords';
import { attemptSucceeded, attemptWithdrawn, claimAttempt } from './rate-limit';
import { checkSecondFactor } from './second-factor';
import { createSession, sessionCookies, sessionIdOf } from './sessions';

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
  opts: { authenticatedAt?: Date; details?: Record<string, unknown> } = {},
): Promise<{ csrfToken: string; cookies: string[] }> {
  const config = getAuthConfig();
  // A session that existed before this sign-in (maybe planted) is not carried over.
  const previous = sessionIdOf(request);
  if (previous) await prisma.session.deleteMany({ where: { id: previous } });
  const session = await createSession(prisma, user.id, { ttlMs: config.sessionTtlMs, ip, userAgent: request.headers.get('user-agent'), authenticatedAt: opts.authenticatedAt });
  await recordAudit(prisma, { actor: { type: 'user', id: user.id, name: user.username }, action: 'auth.login', outcome: 'success', target: { type: 'user', id: user.id }, ip, details: { method, ...opts.details } });
  return { csrfToken: session.csrfToken, cookies: sessionCookies(request, session) };
}

/** The JSON answer of the sign-in routes: who signed in, the CSRF token, the session cookies. */
export async function signInResponse(
  prisma: PrismaClient,
  request: Request,
  user: { id: string; username: string; role: string },
  method: Exclude<SignInMethod, 'oidc'>,
  ip: string,
  details?: Record<string, unknown>,
): Promise<Response> {
  const { csrfToken, cookies } = await openSignedInSession(prisma, request, user, method, ip, { details });
  const response = jsonResponse({ user: { id: user.id, username: user.username, role: user.role }, csrfToken });
  for (const cookie of cookies) response.headers.append('set-cookie', cookie);
  return response;
}

type UserRow = NonNullable<Awaited<ReturnType<PrismaClient['user']['findUnique']>>>;

export type CredentialCheck =
  | { result: 'ok'; user: UserRow; secondFactor: 'totp' | 'recovery-code' | null }
  | { result: 'rate-limited'; retryAfterSeconds: number }
  | { result: 'wrong' }
  /** The password was right; the account has TOTP and no (or no valid yet) code was sent. */
  | { result: 'second-factor-required' };

/**
 * Checks a username + password (+ second-factor code for TOTP accounts) under the attempt limits
 * (lib/auth/rate-limit.ts): sign-in, step-up re-entry and password change all come through here,
 * so guessing through any of them counts against the same limit. A wrong code counts as a failure;
 * a right password without a code does not. `skipSecondFactor` is for a signed-in session that
 * already passed it (password change).
 */
export async function checkCredentials(
  prisma: PrismaClient,
  box: SecretBox,
  input: { username: string; password: string; code?: string; ip: string; skipSecondFactor?: boolean },
): Promise<CredentialCheck> {
  const claim = await claimAttempt(prisma, { username: input.username, ip: input.ip, perUsername: true });
  if (!claim.allowed) return { result: 'rate-limited', retryAfterSeconds: claim.retryAfterSeconds };
  const user = await prisma.user.findUnique({ where: { username: input.username } });
  const passwordOk =
    user?.passwordHash && !user.disabled && !user.isDemo ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!passwordOk || !user) return { result: 'wrong' };
  if (user.totpSecretEnc && !input.skipSecondFactor) {
    if (!input.code) {
      await attemptWithdrawn(prisma, claim.attemptId);
      return { result: 'second-factor-required' };
    }
    const factor = await checkSecondFactor(prisma, box, user, input.code);
    if (!factor) return { result: 'wrong' };
    await attemptSucceeded(prisma, claim.attemptId, input.username);
    return { result: 'ok', user, secondFactor: factor };
  }
  await attemptSucceeded(prisma, claim.attemptId, input.username);
  return { result: 'ok', user, secondFactor: null };
}

/** The password was right; send it again with the authenticator's code (the login form asks for it). */
export class SecondFactorRequired extends DomainError<'second-factor-required'> {
  override name = 'SecondFactorRequired';
  constructor() {
    super('second-factor-required', 401, 'Enter the 6-digit code from your authenticator app (or a recovery code).', { field: 'code' });
  }
}

/** The refusal for a failed credential check, audited by the caller first. */
export function credentialRefusal(check: Exclude<CredentialCheck, { result: 'ok' }>, opts: { codeSent?: boolean } = {}): DomainError {
  if (check.result === 'rate-limited') {
    return new HttpError(429, `Too many failed attempts; try again in ${Math.ceil(check.retryAfterSeconds / 60)} minute(s).`, { headers: { 'retry-after': String(check.retryAfterSeconds) } });
  }
  if (check.result === 'second-factor-required') return new SecondFactorRequired();
  return new HttpError(401, opts.codeSent ? 'Wrong username, password or code.' : 'Wrong username or password.');
}
