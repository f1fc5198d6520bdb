import * as client from 'openid-client';
import type { PrismaClient } from '../db/client';
import type { AuthConfig } from './config';
import type { Role } from './policy';
import { STEP_UP_MAX_AGE_MS } from './policy';
import { safeReturnTo } from './return-to';
import type { SignInErrorCode } from './sign-in-errors';

/**
 * OIDC sign-in (authorization code + PKCE + state + nonce) with openid-client. The verifier,
 * state and nonce travel in a short-lived httpOnly cookie; roles come from a groups claim
 * mapped by KEYWATCH_OIDC_ROLE_MAP, falling back to KEYWATCH_OIDC_DEFAULT_ROLE.
 */
export type OidcSettings = NonNullable<AuthConfig['oidc']>;

export const OIDC_COOKIE = 'kw_oidc';

const configs = new Map<string, Promise<client.Configuration>>();

function discover(settings: OidcSettings): Promise<client.Configuration> {
  let pending = configs.get(settings.issuer);
  if (!pending) {
    const issuer = new URL(settings.issuer);
    // Plain http only for an identity provider on this machine (development, tests); TLS otherwise.
    const loopback = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
    pending = client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, loopback ? { execute: [client.allowInsecureRequests] } : undefined);
    pending.catch(() => configs.delete(settings.issuer));
    configs.set(settings.issuer, pending);
  }
  return pending;
}

export interface OidcStart {
  url: string;
  /** Value for the OIDC_COOKIE (JSON of verifier, state, nonce, returnTo, reauth). */
  cookie: string;
}

/** Seconds: a step-up through SSO asks the identity provider for an authentication this recent (max_age). */
export const REAUTH_MAX_AGE_SECONDS = STEP_UP_MAX_AGE_MS / 1000;

/** `reauth`: a step-up for a signed-in user; the provider must have authenticated them within max_age. */
export async function startOidcLogin(settings: OidcSettings, redirectUri: string, returnTo: string, opts: { reauth?: boolean } = {}): Promise<OidcStart> {
  const config = await discover(settings);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: settings.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(opts.reauth && { max_age: String(REAUTH_MAX_AGE_SECONDS) }),
  });
  return { url: url.href, cookie: JSON.stringify({ verifier, state, nonce, returnTo, reauth: Boolean(opts.reauth) }) };
}

export function roleFromClaims(settings: OidcSettings, claims: Record<string, unknown>): Role | undefined {
  const raw = claims[settings.groupsClaim];
  const groups = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/[,\s]+/) : [];
  // Highest privilege wins when someone is in several mapped groups.
  const order: Role[] = ['admin', 'manager', 'oncall', 'viewer'];
  for (const role of order) {
    if (settings.roleMap.some((m) => m.role === role && groups.includes(m.group))) return role;
  }
  return settings.defaultRole === 'none' ? undefined : settings.defaultRole;
}

/** A refused SSO sign-in: the code goes to the sign-in page, the message to the audit log. */
export class OidcError extends Error {
  override name = 'OidcError';
  constructor(
    readonly code: SignInErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Completes the code flow and returns the local user (created or updated from the claims). */
export async function finishOidcLogin(
  prisma: PrismaClient,
  settings: OidcSettings,
  callbackUrl: URL,
  cookieValue: string | undefined,
): Promise<{ userId: string; username: string; returnTo: string; authenticatedAt: Date; reauth: boolean }> {
  if (!cookieValue) throw new OidcError('sso-expired', 'The sign-in attempt expired or was started in another browser; start again.');
  let saved: { verifier: string; state: string; nonce: string; returnTo: string; reauth?: boolean };
  try {
    saved = JSON.parse(cookieValue) as typeof saved;
  } catch {
    throw new OidcError('sso-expired', 'The sign-in attempt is unreadable; start again.');
  }
  const config = await discover(settings);
  let tokens;
  try {
    tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: saved.verifier,
      expectedState: saved.state,
      expectedNonce: saved.nonce,
      idTokenExpected: true,
      ...(saved.reauth && { maxAge: REAUTH_MAX_AGE_SECONDS }),
    });
  } catch (error) {
    throw new OidcError('sso-failed', `The identity provider's answer was refused: ${error instanceof Error ? error.message : String(error)}`);
  }
  const claims = tokens.claims();
  if (!claims) throw new OidcError('sso-failed', 'The identity provider returned no ID token.');
  // When the provider says when the person authenticated, the session's step-up clock starts there.
  const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000) : undefined;
  if (saved.reauth && (!authTime || Date.now() - authTime.getTime() > STEP_UP_MAX_AGE_MS + 60_000)) {
    throw new OidcError('sso-not-recent', 'The identity provider did not report an authentication within the last 5 minutes (auth_time).');
  }
  const authenticatedAt = authTime && authTime.getTime() <= Date.now() + 60_000 ? authTime : new Date();
  const role = roleFromClaims(settings, claims as Record<string, unknown>);
  if (!role) throw new OidcError('sso-no-role', 'Your account is not in any group that Keywatch maps to a role.');
  const preferred = typeof claims.preferred_username === 'string' ? claims.preferred_username : typeof claims.email === 'string' ? claims.email : claims.sub;
  const username = `${preferred}`.toLowerCase().slice(0, 64);
  const displayName = typeof claims.name === 'string' ? claims.name.slice(0, 120) : null;
  const issuer = String(claims.iss);
  const existing = await prisma.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: claims.sub } } });
  if (existing) {
    if (existing.disabled) throw new OidcError('sso-disabled', 'Your Keywatch account is disabled.');
    await prisma.user.update({ where: { id: existing.id }, data: { role, displayName } });
    return { userId: existing.id, username: existing.username, returnTo: safeReturnTo(saved.returnTo), authenticatedAt, reauth: Boolean(saved.reauth) };
  }
  const clash = await prisma.user.findUnique({ where: { username } });
  const created = await prisma.user.create({
    data: { username: clash ? `${username.slice(0, 50)}-${claims.sub.slice(0, 8)}` : username, displayName, role, oidcIssuer: issuer, oidcSubject: claims.sub },
  });
  return { userId: created.id, username: created.username, returnTo: safeReturnTo(saved.returnTo), authenticatedAt, reauth: Boolean(saved.reauth) };
}
