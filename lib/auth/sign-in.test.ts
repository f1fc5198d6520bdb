import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../audit/record';
import { createApiToken } from './api-tokens';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootstrapAtStart, bootstrapAuth } from './bootstrap';
import { parseAuthConfig } from './config';
import { hashPassword } from './passwords';
import { MAX_FAILURES_PER_USERNAME } from './rate-limit';
import { call, sessionFrom, startAuthHarness, type AuthHarness } from './testing/harness';

const PASSWORD = 'correct-horse-battery-staple';

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie();
}

describe('sign-in, sessions, tokens, bootstrap, audit (real handlers, real database)', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
    await h.prisma.user.create({ data: { username: 'alice', role: 'oncall', passwordHash: await hashPassword(PASSWORD) } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    call({ pattern: '/api/auth/login', method: 'POST', path: '/api/auth/login', body: { username, password }, headers, as: { kind: 'anonymous' } });

  it('signs in with the right password: httpOnly SameSite __Host- session cookie, readable CSRF cookie, audited', async () => {
    const res = await login('alice', PASSWORD);
    expect(res.status).toBe(200);
    const [session, csrf] = [cookiesOf(res).find((c) => c.startsWith('__Host-kw_session='))!, cookiesOf(res).find((c) => c.startsWith('__Host-kw_csrf='))!];
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/; Path=\/;/);
    expect(session).toMatch(/; Secure/);
    expect(session).not.toMatch(/Domain=/i);
    expect(csrf).not.toMatch(/HttpOnly/);
    const me = await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', as: { kind: 'session', cookie: sessionFrom(res).cookie } });
    expect(((await me.json()) as { user: { username: string; role: string } }).user).toMatchObject({ username: 'alice', role: 'oncall' });
    // Only the hash of the cookie is stored.
    const raw = sessionFrom(res).cookie.split('=')[1]!;
    expect(await h.prisma.session.count({ where: { id: raw } })).toBe(0);
    expect(await h.prisma.auditEvent.count({ where: { action: 'auth.login', outcome: 'success', actorName: 'alice' } })).toBe(1);
  });

  it('marks cookies Secure behind HTTPS', async () => {
    const res = await login('alice', PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(cookiesOf(res).every((c) => /^__Host-/.test(c) && /; Secure/.test(c))).toBe(true);
  });

  it('cookies are __Host- and Secure unless the browser talks to a loopback address over plain http (issue 15, finding 16)', async () => {
    // Before: a plain-http request to a non-loopback host got plain, non-Secure cookies.
    const lan = await login('alice', PASSWORD, { host: '10.1.2.3:3000', origin: 'http://10.1.2.3:3000' });
    expect(cookiesOf(lan).map((c) => c.split('=')[0])).toEqual(['__Host-kw_session', '__Host-kw_csrf']);
    expect(cookiesOf(lan).every((c) => /; Secure/.test(c))).toBe(true);
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000']) {
      const local = await login('alice', PASSWORD, { host, origin: `http://${host}` });
      expect(cookiesOf(local).map((c) => c.split('=')[0]), host).toEqual(['kw_session', 'kw_csrf']);
      expect(cookiesOf(local).some((c) => /Secure/.test(c)), host).toBe(false);
    }
    // A cookie planted without the prefix (by a sibling subdomain or a plain-http page) is not read.
    const planted = sessionFrom(lan).cookie.replace('__Host-kw_session', 'kw_session');
    const me = await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', headers: { host: '10.1.2.3:3000' }, as: { kind: 'session', cookie: planted } });
    expect(((await me.json()) as { user: unknown }).user).toBeNull();
  });

  it('refuses a wrong password and an unknown user the same way, audits both', async () => {
    const wrong = await login('alice', 'not-the-password');
    const unknown = await login('mallory', 'whatever-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect(await h.prisma.auditEvent.count({ where: { action: 'auth.login', outcome: 'failure' } })).toBe(2);
  });

  it('rate-limits failures per username in the database (another "replica" sees the same count)', async () => {
    await h.prisma.user.create({ data: { username: 'bob', role: 'viewer', passwordHash: await hashPassword(PASSWORD) } });
    for (let i = 0; i < MAX_FAILURES_PER_USERNAME; i++) expect((await login('bob', `wrong-${i}`, { 'x-forwarded-for': `10.0.0.${i}` })).status).toBe(401);
    const blocked = await login('bob', PASSWORD, { 'x-forwarded-for': '10.0.9.9' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await h.prisma.auditEvent.count({ where: { action: 'auth.login', outcome: 'denied', actorName: 'bob' } })).toBe(1);
  });

  it('refuses a login posted from another origin', async () => {
    expect((await login('alice', PASSWORD, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('logs out: the session stops working', async () => {
    const s = sessionFrom(await login('alice', PASSWORD));
    const out = await call({ pattern: '/api/auth/logout', method: 'POST', path: '/api/auth/logout', as: { kind: 'session', ...s } });
    expect(out.status).toBe(200);
    const me = await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', as: { kind: 'session', cookie: s.cookie } });
    expect(((await me.json()) as { user: unknown }).user).toBeNull();
  });

  it('API tokens: shown once, stored hashed, scoped, expiring, revocable, lastUsedAt recorded', async () => {
    const admin = await h.session('admin');
    const created = await call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body: { name: 'pipeline', scopes: ['read'], expiresInDays: 30 }, as: { kind: 'session', ...admin } });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect(token).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
    const row = await h.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
    const list = await (await call({ pattern: '/api/v1/tokens', method: 'GET', path: '/api/v1/tokens', as: { kind: 'session', ...admin } })).text();
    expect(list).not.toContain(token);

    const audit = await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit?action=token.', as: { kind: 'token', token } });
    expect(audit.status).toBe(200);
    expect(((await audit.json()) as { events: { action: string }[] }).events.map((e) => e.action)).toEqual(['token.create']);
    expect((await h.prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).toBeInstanceOf(Date);
    // read scope cannot administer; a refused change is audited.
    expect((await call({ pattern: '/api/v1/tokens', method: 'GET', path: '/api/v1/tokens', as: { kind: 'token', token } })).status).toBe(403);
    expect((await call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body: { name: 'x', scopes: ['admin'] }, as: { kind: 'token', token } })).status).toBe(403);
    // Both refusals are audited, the read as well as the change (issue 15, finding 14).
    expect(await h.prisma.auditEvent.count({ where: { action: 'access.denied', actorName: 'token:pipeline' } })).toBe(2);

    const revoke = await call({ pattern: '/api/v1/tokens/[id]', method: 'DELETE', path: `/api/v1/tokens/${id}`, params: { id }, as: { kind: 'session', ...admin } });
    expect(revoke.status).toBe(200);
    const after = await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit', as: { kind: 'token', token } });
    expect(after.status).toBe(401);

    const expired = await createApiToken(h.prisma, { name: 'old', scopes: ['admin'], expiresAt: new Date(Date.now() - 1000), createdById: null });
    expect((await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit', as: { kind: 'token', token: expired.value } })).status).toBe(401);
    const malformed = await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit', headers: { authorization: 'Basic YTpi' }, as: { kind: 'anonymous' } });
    expect(malformed.status).toBe(401);
  });

  it('users API: admin creates users with argon2id hashes; validation gives field errors', async () => {
    const admin = await h.session('admin');
    const bad = await call({ pattern: '/api/v1/users', method: 'POST', path: '/api/v1/users', body: { username: 'X Y', role: 'root', password: 'short' }, as: { kind: 'session', ...admin } });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { fieldErrors: object }).fieldErrors).sort()).toEqual(['password', 'role', 'username']);
    const ok = await call({ pattern: '/api/v1/users', method: 'POST', path: '/api/v1/users', body: { username: 'carol', role: 'manager', password: PASSWORD }, as: { kind: 'session', ...admin } });
    expect(ok.status).toBe(201);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { username: 'carol' } })).passwordHash).toMatch(/^\$argon2id\$/);
    expect((await login('carol', PASSWORD)).status).toBe(200);
    const dup = await call({ pattern: '/api/v1/users', method: 'POST', path: '/api/v1/users', body: { username: 'carol', role: 'viewer', password: PASSWORD }, as: { kind: 'session', ...admin } });
    expect(dup.status).toBe(409);
  });

  it('the audit log is append-only in the database: UPDATE, DELETE and TRUNCATE raise', async () => {
    await recordAudit(h.prisma, { actor: { type: 'system' }, action: 'gate.decision', outcome: 'success', details: { verdict: 'READY' } });
    const client = new pg.Client({ connectionString: h.db.url });
    await client.connect();
    try {
      await expect(client.query(`UPDATE "AuditEvent" SET "outcome" = 'failure'`)).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
      await expect(client.query(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
    expect(await h.prisma.auditEvent.count({ where: { action: 'gate.decision' } })).toBe(1);
  });

  it('filters the audit log by action prefix, actor, outcome; pages with a cursor', async () => {
    const token = await h.token(['read']);
    const get = async (query: string) =>
      (await (await call({ pattern: '/api/v1/audit', method: 'GET', path: `/api/v1/audit?${query}`, as: { kind: 'token', token } })).json()) as {
        events: { action: string; actorName: string; outcome: string; id: string }[];
        nextBefore: string | null;
      };
    const failures = await get('action=auth.login&outcome=failure');
    expect(failures.events.length).toBeGreaterThanOrEqual(2);
    expect(failures.events.every((e) => e.action === 'auth.login' && e.outcome === 'failure')).toBe(true);
    const alice = await get('actor=ALI');
    expect(alice.events.length).toBeGreaterThan(0);
    expect(alice.events.every((e) => e.actorName === 'alice')).toBe(true);
    const page1 = await get('limit=2');
    expect(page1.events).toHaveLength(2);
    const page2 = await get(`limit=2&before=${page1.nextBefore}`);
    expect(page2.events.map((e) => e.id)).not.toContain(page1.events[0]!.id);
    const bad = await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit?limit=9999', as: { kind: 'token', token } });
    expect(bad.status).toBe(400);
  });
});

describe('bootstrap', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
    // The harness seeds role users; bootstrap is about an empty installation.
    await h.prisma.user.deleteMany({});
  });
  afterAll(async () => {
    await h?.close();
  });

  it('without users or admin password: prints a one-time setup link that creates the first admin once', async () => {
    const lines: string[] = [];
    const result = await bootstrapAuth(h.prisma, { PORT: '3100' }, { log: (l) => lines.push(l) });
    expect(result.adminCreated).toBe(false);
    expect(result.setupLink).toMatch(/^http:\/\/127\.0\.0\.1:3100\/login\/setup\?token=[A-Za-z0-9_-]{43}$/);
    expect(lines.join('\n')).toContain(result.setupLink!);
    // A second process starting at the same time does not mint (and print) another link.
    const again = await bootstrapAuth(h.prisma, { PORT: '3100' }, { log: () => undefined });
    expect(again.setupLink).toBeUndefined();
    const token = new URL(result.setupLink!).searchParams.get('token')!;
    const setup = (username: string) =>
      call({ pattern: '/api/auth/setup', method: 'POST', path: '/api/auth/setup', body: { token, username, password: PASSWORD }, as: { kind: 'anonymous' } });
    const first = await setup('root-admin');
    expect(first.status).toBe(200);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { username: 'root-admin' } })).role).toBe('admin');
    expect((await setup('second-admin')).status).toBe(403);
  });

  it('honours KEYWATCH_ADMIN_PASSWORD and KEYWATCH_BOOTSTRAP_TOKEN once, concurrently safe; demo viewer in lab mode', async () => {
    await h.prisma.user.deleteMany({});
    const env = {
      KEYWATCH_ADMIN_PASSWORD: 'e2e-admin-password-1',
      KEYWATCH_BOOTSTRAP_TOKEN: 'kw_e2e_bootstrap_token_0123456789abcdef',
      KEYWATCH_LAB_CONFIG: '{"not":"a lab"}',
    };
    const results = await Promise.all([1, 2, 3].map(() => bootstrapAuth(h.prisma, env, { log: () => undefined })));
    expect(results.filter((r) => r.adminCreated)).toHaveLength(1);
    expect(results.filter((r) => r.bootstrapTokenCreated)).toHaveLength(1);
    expect(await h.prisma.apiToken.count({ where: { name: 'bootstrap' } })).toBe(1);
    expect((await login('admin', 'e2e-admin-password-1')).status).toBe(200);
    const viaToken = await call({ pattern: '/api/v1/users', method: 'GET', path: '/api/v1/users', as: { kind: 'token', token: env.KEYWATCH_BOOTSTRAP_TOKEN } });
    expect(viaToken.status).toBe(200);
    const demo = await h.prisma.user.findUniqueOrThrow({ where: { username: 'demo' } });
    expect(demo).toMatchObject({ role: 'viewer', isDemo: true, disabled: false, passwordHash: null });
    // Out of lab mode the demo account is switched off.
    await bootstrapAuth(h.prisma, {}, { log: () => undefined });
    expect((await h.prisma.user.findUniqueOrThrow({ where: { username: 'demo' } })).disabled).toBe(true);
  });

  it('bootstrapAtStart opens its own connection, creates the key file, and is idempotent', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kw-boot-'));
    try {
      const result = await bootstrapAtStart(h.db.url, { KEYWATCH_ADMIN_PASSWORD: 'e2e-admin-password-1', KEYWATCH_MASTER_KEY: '' }, dir);
      expect(result.adminCreated).toBe(false);
      expect(existsSync(path.join(dir, 'master.key'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects weak bootstrap settings with a clear message', () => {
    expect(() => parseAuthConfig({ KEYWATCH_OIDC_ISUER: 'https://idp.example' })).toThrow(/Unknown setting KEYWATCH_OIDC_ISUER/);
    expect(() => parseAuthConfig({ KEYWATCH_ADMIN_PASSWORD: 'short' })).toThrow(/KEYWATCH_ADMIN_PASSWORD must be at least 12 characters/);
    expect(() => parseAuthConfig({ KEYWATCH_BOOTSTRAP_TOKEN: 'abc' })).toThrow(/KEYWATCH_BOOTSTRAP_TOKEN must be kw_/);
    expect(() => parseAuthConfig({ KEYWATCH_OIDC_ISSUER: 'https://idp.example' })).toThrow(/KEYWATCH_OIDC_CLIENT_ID/);
    expect(() => parseAuthConfig({ KEYWATCH_OIDC_ISSUER: 'https://idp.example', KEYWATCH_OIDC_CLIENT_ID: 'kw', KEYWATCH_OIDC_ROLE_MAP: 'root=x' })).toThrow(/KEYWATCH_OIDC_ROLE_MAP/);
  });

  const login = (username: string, password: string) =>
    call({ pattern: '/api/auth/login', method: 'POST', path: '/api/auth/login', body: { username, password }, as: { kind: 'anonymous' } });
});
