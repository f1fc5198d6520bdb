import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthConfig } from './config';
import { roleFromClaims } from './oidc';
import { call, ORIGIN, startAuthHarness, type AuthHarness } from './testing/harness';
import { startTestOidcProvider, type TestOidcProvider } from './testing/oidc-provider';

describe('OIDC sign-in against a real (local) OpenID provider', () => {
  let h: AuthHarness;
  let idp: TestOidcProvider;
  beforeAll(async () => {
    idp = await startTestOidcProvider();
    // Read once by getAuthConfig in this test file's module graph.
    Object.assign(process.env, {
      KEYWATCH_OIDC_ISSUER: idp.issuer,
      KEYWATCH_OIDC_CLIENT_ID: idp.clientId,
      KEYWATCH_OIDC_CLIENT_SECRET: idp.clientSecret,
      KEYWATCH_OIDC_ROLE_MAP: 'admin=kw-admins,oncall=kw-oncall',
      KEYWATCH_OIDC_DEFAULT_ROLE: 'none',
    });
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
    await idp?.stop();
  });

  async function flow(opts: { tamperState?: boolean; query?: string } = {}) {
    const start = await call({ pattern: '/api/auth/oidc/login', method: 'GET', path: `/api/auth/oidc/login?returnTo=%2Falerts${opts.query ?? ''}`, as: { kind: 'anonymous' } });
    expect(start.status).toBe(302);
    const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-kw_oidc='))!;
    expect(flowCookie).toMatch(/HttpOnly/);
    expect(flowCookie).toMatch(/Secure/);
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const callback = new URL(authorize.headers.get('location')!);
    expect(callback.href.startsWith(`${ORIGIN}/api/auth/oidc/callback?`)).toBe(true);
    if (opts.tamperState) callback.searchParams.set('state', 'forged');
    return call({
      pattern: '/api/auth/oidc/callback',
      method: 'GET',
      path: callback.pathname + callback.search,
      headers: { cookie: flowCookie.split(';')[0]! },
      as: { kind: 'anonymous' },
    });
  }

  it('code flow with PKCE: creates the user with the mapped role and opens a session', async () => {
    idp.nextUser = { sub: 'abc-123', preferred_username: 'Dana', name: 'Dana Ops', groups: ['staff', 'kw-oncall'] };
    const done = await flow();
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/alerts');
    const session = done.headers.getSetCookie().find((c) => c.startsWith('__Host-kw_session='))!;
    const me = await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', as: { kind: 'session', cookie: session.split(';')[0]! } });
    expect(((await me.json()) as { user: { username: string; role: string } }).user).toMatchObject({ username: 'dana', role: 'oncall' });
    const user = await h.prisma.user.findUniqueOrThrow({ where: { username: 'dana' } });
    expect(user).toMatchObject({ oidcIssuer: idp.issuer, oidcSubject: 'abc-123', passwordHash: null });
    // Group membership is re-read at every sign-in.
    idp.nextUser = { ...idp.nextUser, groups: ['kw-admins'] };
    await flow();
    expect((await h.prisma.user.findUniqueOrThrow({ where: { username: 'dana' } })).role).toBe('admin');
  });

  it('refuses a forged state and a user in no mapped group, back to the sign-in page with a code, the reason in the audit log', async () => {
    idp.nextUser = { sub: 'x-1', preferred_username: 'eve', groups: ['kw-admins'] };
    const forged = await flow({ tamperState: true });
    expect(forged.status).toBe(302);
    expect(forged.headers.get('location')).toBe('/login?error=sso-failed');
    expect(await h.prisma.user.count({ where: { username: 'eve' } })).toBe(0);
    idp.nextUser = { sub: 'x-2', preferred_username: 'frank', groups: ['staff'] };
    const unmapped = await flow();
    // Only a code from a fixed list travels in the URL (issue 15, finding 17): the page maps it to its own text.
    expect(unmapped.headers.get('location')).toBe('/login?error=sso-no-role');
    const failures = await h.prisma.auditEvent.findMany({ where: { action: 'auth.login', outcome: 'failure' } });
    expect(failures).toHaveLength(2);
    expect(failures.map((f) => f.details).join(' ')).toMatch(/not in any group/);
  });

  it('step-up through SSO asks for max_age and takes the session clock from auth_time (issue 15, finding 7)', async () => {
    idp.nextUser = { sub: 'abc-123', preferred_username: 'Dana', groups: ['kw-admins'] };
    // The provider's own sign-in is an hour old: a plain SSO sign-in gives a session that must step up.
    idp.lastAuthAt = Math.floor(Date.now() / 1000) - 3600;
    const plain = await flow();
    const plainCookie = plain.headers.getSetCookie().find((c) => c.startsWith('__Host-kw_session='))!.split(';')[0]!;
    const plainSession = await h.prisma.session.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(Date.now() - plainSession.authenticatedAt.getTime()).toBeGreaterThan(3500_000);
    const csrf = plainSession.csrfToken;
    const refused = await call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body: { name: 'sso', scopes: ['read'] }, as: { kind: 'session', cookie: plainCookie, csrf } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('reauthentication-required');
    const before = idp.reauthentications;
    const stepUp = await flow({ query: '&reauth=1' });
    expect(stepUp.status).toBe(302);
    expect(stepUp.headers.get('location')).toBe('/alerts');
    expect(idp.reauthentications).toBe(before + 1);
    const fresh = stepUp.headers.getSetCookie().find((c) => c.startsWith('__Host-kw_session='))!.split(';')[0]!;
    const freshSession = await h.prisma.session.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const allowed = await call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body: { name: 'sso', scopes: ['read'] }, as: { kind: 'session', cookie: fresh, csrf: freshSession.csrfToken } });
    expect(allowed.status).toBe(201);
    // A provider that does not report auth_time cannot vouch for a fresh sign-in.
    idp.omitAuthTime = true;
    try {
      const sessions = await h.prisma.session.count();
      const unknown = await flow({ query: '&reauth=1' });
      // openid-client itself refuses an ID token without auth_time when max_age was asked for.
      expect(unknown.headers.get('location')).toMatch(/^\/login\?error=sso-(failed|not-recent)$/);
      expect(await h.prisma.session.count()).toBe(sessions);
    } finally {
      idp.omitAuthTime = false;
    }
  });

  it('maps groups to the highest role; without a mapped group nobody gets in by default (issue 15, finding 13)', () => {
    const settings = parseAuthConfig({ KEYWATCH_OIDC_ISSUER: 'https://idp.test', KEYWATCH_OIDC_CLIENT_ID: 'kw', KEYWATCH_OIDC_ROLE_MAP: 'manager=m,admin=a' }).oidc!;
    expect(roleFromClaims(settings, { groups: ['m', 'a'] })).toBe('admin');
    expect(roleFromClaims(settings, { groups: 'm' })).toBe('manager');
    // Before: the default was viewer, so any account at the identity provider could read the estate.
    expect(settings.defaultRole).toBe('none');
    expect(roleFromClaims(settings, {})).toBeUndefined();
    const opted = parseAuthConfig({ KEYWATCH_OIDC_ISSUER: 'https://idp.test', KEYWATCH_OIDC_CLIENT_ID: 'kw', KEYWATCH_OIDC_DEFAULT_ROLE: 'viewer' }).oidc!;
    expect(roleFromClaims(opted, {})).toBe('viewer');
  });
});
