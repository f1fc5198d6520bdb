import * as client from 'openid-client';
import type { PrismaClient } from '../db/client';
import type { AuthConfig } from './config';
import type { Role } from './policy';

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
  /** Value for the OIDC_COOKIE (JSON of verifier, state, nonce, returnTo). */
  cookie: string;
}

export async function startOidcLogin(settings: OidcSettings, redirectUri: string, returnTo: string): Promise<OidcStart> {
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
  });
  return { url: url.href, cookie: JSON.stringify({ verifier, state, nonce, returnTo }) };
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

export class OidcError extends Error {
  override name = 'OidcError';
}

/** Completes the code flow and returns the local user (created or updated from the claims). */
export async function finishOidcLogin(
  prisma: PrismaClient,
  settings: OidcSettings,
  callbackUrl: URL,
  cookieValue: string | undefined,
): Promise<{ userId: string; username: string; returnTo: string }> {
  if (!cookieValue) throw new OidcError('The sign-in attempt expired or was started in another browser; start again.');
  let saved: { verifier: string; state: string; nonce: string; returnTo: string };
  try {
    saved = JSON.parse(cookieValue) as typeof saved;
  } catch {
    throw new OidcError('The sign-in attempt is unreadable; start again.');
  }
  const config = await discover(settings);
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: saved.verifier,
    expectedState: saved.state,
    expectedNonce: saved.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims) throw new OidcError('The identity provider returned no ID token.');
  const role = roleFromClaims(settings, claims as Record<string, unknown>);
  if (!role) throw new OidcError('Your account is not in any group that Keywatch maps to a role.');
  const preferred = typeof claims.preferred_username === 'string' ? claims.preferred_username : typeof claims.email === 'string' ? claims.email : claims.sub;
  const username = `${preferred}`.toLowerCase().slice(0, 64);
  const displayName = typeof claims.name === 'string' ? claims.name.slice(0, 120) : null;
  const issuer = String(claims.iss);
  const existing = await prisma.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: claims.sub } } });
  if (existing) {
    if (existing.disabled) throw new OidcError('Your Keywatch account is disabled.');
    await prisma.user.update({ where: { id: existing.id }, data: { role, displayName } });
    return { userId: existing.id, username: existing.username, returnTo: saved.returnTo };
  }
  const clash = await prisma.user.findUnique({ where: { username } });
  const created = await prisma.user.create({
    data: { username: clash ? `${username.slice(0, 50)}-${claims.sub.slice(0, 8)}` : username, displayName, role, oidcIssuer: issuer, oidcSubject: claims.sub },
  });
  return { userId: created.id, username: created.username, returnTo: saved.returnTo };
}
