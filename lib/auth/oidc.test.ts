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

  async function flow(opts: { tamperState?: boolean } = {}) {
    const start = await call({ pattern: '/api/auth/oidc/login', method: 'GET', path: '/api/auth/oidc/login?returnTo=%2Falerts', as: { kind: 'anonymous' } });
    expect(start.status).toBe(302);
    const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith('kw_oidc='))!;
    expect(flowCookie).toMatch(/HttpOnly/);
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
    const session = done.headers.getSetCookie().find((c) => c.startsWith('kw_session='))!;
    const me = await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', as: { kind: 'session', cookie: session.split(';')[0]! } });
    expect(((await me.json()) as { user: { username: string; role: string } }).user).toMatchObject({ username: 'dana', role: 'oncall' });
    const user = await h.prisma.user.findUniqueOrThrow({ where: { username: 'dana' } });
    expect(user).toMatchObject({ oidcIssuer: idp.issuer, oidcSubject: 'abc-123', passwordHash: null });
    // Group membership is re-read at every sign-in.
    idp.nextUser = { ...idp.nextUser, groups: ['kw-admins'] };
    await flow();
    expect((await h.prisma.user.findUniqueOrThrow({ where: { username: 'dana' } })).role).toBe('admin');
  });

  it('refuses a forged state and a user in no mapped group, back to the sign-in page with the reason', async () => {
    idp.nextUser = { sub: 'x-1', preferred_username: 'eve', groups: ['kw-admins'] };
    const forged = await flow({ tamperState: true });
    expect(forged.status).toBe(302);
    expect(forged.headers.get('location')).toMatch(/^\/login\?error=/);
    expect(await h.prisma.user.count({ where: { username: 'eve' } })).toBe(0);
    idp.nextUser = { sub: 'x-2', preferred_username: 'frank', groups: ['staff'] };
    const unmapped = await flow();
    expect(new URL(unmapped.headers.get('location')!, ORIGIN).searchParams.get('error')).toMatch(/not in any group/);
    expect(await h.prisma.auditEvent.count({ where: { action: 'auth.login', outcome: 'failure' } })).toBe(2);
  });

  it('maps groups to the highest role and falls back to the default role', () => {
    const settings = parseAuthConfig({ KEYWATCH_OIDC_ISSUER: 'https://idp.test', KEYWATCH_OIDC_CLIENT_ID: 'kw', KEYWATCH_OIDC_ROLE_MAP: 'manager=m,admin=a' }).oidc!;
    expect(roleFromClaims(settings, { groups: ['m', 'a'] })).toBe('admin');
    expect(roleFromClaims(settings, { groups: 'm' })).toBe('manager');
    expect(roleFromClaims(settings, {})).toBe('viewer');
  });
});
