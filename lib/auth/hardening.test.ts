import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from './api-tokens';
import { bootstrapAuth } from './bootstrap';
import { getAuthConfig, parseAuthConfig } from './config';
import { argon2Stats, hashPassword } from './passwords';
import { breachedPasswordCount, isBreachedPassword } from './breached-passwords';
import { MAX_FAILURES_PER_USERNAME } from './rate-limit';
import { call, sessionFrom, startAuthHarness, type AuthHarness } from './testing/harness';
import { totpCode, totpStep } from './totp';

/**
 * Issue 15 (security review): one test per finding of lib/auth, against the real handlers and a
 * real PostgreSQL. Each says what the code did before the fix.
 */
const PASSWORD = 'violet-harbour-lantern-7';

describe('security hardening (issue 15)', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const login = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call({ pattern: '/api/auth/login', method: 'POST', path: '/api/auth/login', body, headers, as: { kind: 'anonymous' } });

  async function person(username: string, role: 'viewer' | 'oncall' | 'manager' | 'admin' = 'viewer') {
    return h.prisma.user.create({ data: { username, role, passwordHash: await hashPassword(PASSWORD) } });
  }

  it('finding 4: concurrent wrong passwords cannot all pass the per-username count', async () => {
    await person('racer');
    // Before: every request counted the failures, then verified (argon2, tens of ms), then wrote
    // its failure, so all 16 passed the count and got 401.
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => login({ username: 'racer', password: `wrong-${i}` }, { 'x-forwarded-for': `10.4.0.${i}` })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES_PER_USERNAME);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16 - MAX_FAILURES_PER_USERNAME);
    expect(await h.prisma.loginAttempt.count({ where: { username: 'racer', success: false } })).toBe(MAX_FAILURES_PER_USERNAME);
  });

  it('finding 6: a token stops working when its creator is disabled, deleted or demoted, and admin tokens are capped', async () => {
    const creator = await person('token-maker', 'admin');
    const make = async (scopes: ('read' | 'admin')[], expiresAt: Date | null = new Date(Date.now() + 86_400_000)) =>
      (await createApiToken(h.prisma, { name: `t-${scopes.join()}`, scopes, expiresAt, createdById: creator.id })).value;
    const read = async (token: string) => (await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit?limit=1', as: { kind: 'token', token } })).status;
    const adminToken = await make(['admin']);
    const readToken = await make(['read']);
    expect(await read(adminToken)).toBe(200);
    // Demoted to manager: the admin-scope token dies, a read token (within a manager's rights) lives.
    await h.prisma.user.update({ where: { id: creator.id }, data: { role: 'manager' } });
    expect(await read(adminToken)).toBe(401);
    expect(await read(readToken)).toBe(200);
    await h.prisma.user.update({ where: { id: creator.id }, data: { disabled: true } });
    expect(await read(readToken)).toBe(401);
    await h.prisma.user.update({ where: { id: creator.id }, data: { disabled: false } });
    expect(await read(readToken)).toBe(200);
    await h.prisma.user.delete({ where: { id: creator.id } });
    expect(await read(readToken)).toBe(401);
    // The refusals are in the audit log with their reason (finding 14), never the token.
    const rejected = await h.prisma.auditEvent.findMany({ where: { action: 'auth.token', outcome: 'denied' } });
    expect(rejected.map((r) => JSON.parse(r.details!).reason)).toEqual(expect.arrayContaining(["creator's role manager no longer allows the scopes", 'creator disabled', 'creator deleted']));
    expect(JSON.stringify(rejected)).not.toContain(readToken);

    // Lifetime cap: an admin token without expiry, or made 91 days ago, no longer works.
    const admin = h.users.admin.id;
    const forever = await createApiToken(h.prisma, { name: 'forever', scopes: ['admin'], expiresAt: null, createdById: admin });
    expect(await read(forever.value)).toBe(200);
    await h.prisma.$executeRaw`UPDATE "ApiToken" SET "createdAt" = now() - interval '91 days' WHERE "id" = ${forever.id}`;
    expect(await read(forever.value)).toBe(401);
    const s = await h.session('admin');
    const create = (body: Record<string, unknown>) => call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body, as: { kind: 'session', ...s } });
    const uncapped = await create({ name: 'never', scopes: ['admin'], expiresInDays: null });
    expect(uncapped.status).toBe(400);
    expect(((await uncapped.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.expiresInDays![0]).toMatch(/within 90 days/);
    expect((await create({ name: 'long', scopes: ['admin'], expiresInDays: 365 })).status).toBe(400);
    expect((await create({ name: 'ok', scopes: ['admin'], expiresInDays: 30 })).status).toBe(201);
    expect((await create({ name: 'read forever', scopes: ['read'], expiresInDays: null })).status).toBe(201);
    expect(parseAuthConfig({ KEYWATCH_ADMIN_TOKEN_MAX_DAYS: '30' }).adminTokenMaxDays).toBe(30);
  });

  it('finding 7: admin writes and token creation need an authentication within 5 minutes; password re-entry renews it; bearer tokens are not asked', async () => {
    const admin = await person('stepper', 'admin');
    const signedIn = sessionFrom(await login({ username: 'stepper', password: PASSWORD }));
    const makeToken = () => call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body: { name: 'x', scopes: ['read'] }, as: { kind: 'session', ...signedIn } });
    expect((await makeToken()).status).toBe(201);
    // Six minutes later (the session's authentication time moved back, the session itself still live).
    await h.prisma.session.updateMany({ where: { userId: admin.id }, data: { authenticatedAt: new Date(Date.now() - 6 * 60_000) } });
    const stale = await makeToken();
    expect(stale.status).toBe(403);
    expect(await stale.json()).toMatchObject({ code: 'reauthentication-required' });
    const createUser = await call({ pattern: '/api/v1/users', method: 'POST', path: '/api/v1/users', body: { username: 'late', role: 'viewer', password: PASSWORD }, as: { kind: 'session', ...signedIn } });
    expect(createUser.status).toBe(403);
    // Reading is not a dangerous action.
    expect((await call({ pattern: '/api/v1/users', method: 'GET', path: '/api/v1/users', as: { kind: 'session', ...signedIn } })).status).toBe(200);
    const reauth = (password: string) => call({ pattern: '/api/auth/reauth', method: 'POST', path: '/api/auth/reauth', body: { password }, as: { kind: 'session', ...signedIn } });
    expect((await reauth('not-my-password')).status).toBe(401);
    expect((await makeToken()).status).toBe(403);
    expect((await reauth(PASSWORD)).status).toBe(200);
    expect((await makeToken()).status).toBe(201);
    expect(await h.prisma.auditEvent.count({ where: { action: 'auth.reauth', actorName: 'stepper', outcome: 'success' } })).toBe(1);
    // A bearer token with the admin scope (automation) is not asked to re-enter anything.
    const token = await h.token(['admin']);
    expect((await call({ pattern: '/api/v1/tokens', method: 'POST', path: '/api/v1/tokens', body: { name: 'ci', scopes: ['gate'], expiresInDays: 30 }, as: { kind: 'token', token } })).status).toBe(201);
  });

  it('finding 7: TOTP for local accounts — enrol, sign in with a code or a recovery code once, admin reset', async () => {
    await person('tess', 'oncall');
    const s = sessionFrom(await login({ username: 'tess', password: PASSWORD }));
    const as = { kind: 'session' as const, ...s };
    const started = await call({ pattern: '/api/auth/totp', method: 'POST', path: '/api/auth/totp', as });
    expect(started.status).toBe(201);
    const { secret, uri } = (await started.json()) as { secret: string; uri: string };
    expect(uri).toMatch(/^otpauth:\/\/totp\/Keywatch:tess\?secret=[A-Z2-7]+&issuer=Keywatch/);
    const row = await h.prisma.user.findUniqueOrThrow({ where: { username: 'tess' } });
    expect(row.totpPendingEnc).toMatch(/^kw2\./);
    expect(row.totpPendingEnc).not.toContain(secret);
    const wrong = await call({ pattern: '/api/auth/totp/confirm', method: 'POST', path: '/api/auth/totp/confirm', body: { code: '000000' === totpCode(secret, totpStep()) ? '111111' : '000000' }, as });
    expect(wrong.status).toBe(400);
    // The code of the previous step: confirming must not let the sign-in below reuse the current one.
    const confirmed = await call({ pattern: '/api/auth/totp/confirm', method: 'POST', path: '/api/auth/totp/confirm', body: { code: totpCode(secret, totpStep() - 1) }, as });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);

    // The password alone is no longer enough; it is not counted as a failure either.
    const noCode = await login({ username: 'tess', password: PASSWORD });
    expect(noCode.status).toBe(401);
    expect(await noCode.json()).toMatchObject({ code: 'second-factor-required' });
    expect((await login({ username: 'tess', password: PASSWORD, code: '123456' === totpCode(secret, totpStep()) ? '654321' : '123456' })).status).toBe(401);
    const code = totpCode(secret, totpStep());
    expect((await login({ username: 'tess', password: PASSWORD, code })).status).toBe(200);
    // The same code a second time (replay) is refused.
    expect((await login({ username: 'tess', password: PASSWORD, code })).status).toBe(401);
    // A wrong password with a right code is still wrong.
    expect((await login({ username: 'tess', password: 'not-the-password-at-all', code: recoveryCodes[1]! })).status).toBe(401);
    expect((await login({ username: 'tess', password: PASSWORD, code: recoveryCodes[0]!.toUpperCase() })).status).toBe(200);
    expect((await login({ username: 'tess', password: PASSWORD, code: recoveryCodes[0]! })).status).toBe(401);
    expect(await h.prisma.recoveryCode.count({ where: { userId: row.id, usedAt: null } })).toBe(9);

    // An admin resets it (lost phone): the password alone works again and tess's sessions ended.
    const admin = await h.session('admin');
    const reset = await call({ pattern: '/api/v1/users/[id]/totp', method: 'DELETE', path: `/api/v1/users/${row.id}/totp`, params: { id: row.id }, as: { kind: 'session', ...admin } });
    expect(reset.status).toBe(200);
    expect(await h.prisma.recoveryCode.count({ where: { userId: row.id } })).toBe(0);
    expect(await h.prisma.session.count({ where: { userId: row.id } })).toBe(0);
    expect((await login({ username: 'tess', password: PASSWORD })).status).toBe(200);
    expect(await h.prisma.auditEvent.count({ where: { action: 'auth.totp.remove', targetId: row.id } })).toBe(1);
  });

  it('finding 7: KEYWATCH_ADMIN_TOTP=required keeps an admin without a second factor to their own account settings', async () => {
    const config = getAuthConfig();
    config.adminTotpRequired = true;
    try {
      await person('bare-admin', 'admin');
      const s = sessionFrom(await login({ username: 'bare-admin', password: PASSWORD }));
      const users = await call({ pattern: '/api/v1/users', method: 'GET', path: '/api/v1/users', as: { kind: 'session', ...s } });
      expect(users.status).toBe(403);
      expect(await users.json()).toMatchObject({ code: 'totp-enrolment-required' });
      expect((await call({ pattern: '/api/auth/totp', method: 'POST', path: '/api/auth/totp', as: { kind: 'session', ...s } })).status).toBe(201);
    } finally {
      config.adminTotpRequired = false;
    }
  });

  it('finding 8: a session idle longer than the limit is over; the lifetime is capped at a day', async () => {
    const s = await h.session('viewer');
    const me = async () => ((await (await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', as: { kind: 'session', cookie: s.cookie } })).json()) as { user: unknown }).user;
    expect(await me()).not.toBeNull();
    // Before: lastSeenAt was written and never read, so a session lived its full 12 hours unattended.
    await h.prisma.session.updateMany({ where: { userId: h.users.viewer.id }, data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    expect(await me()).toBeNull();
    expect(await h.prisma.session.count({ where: { userId: h.users.viewer.id } })).toBe(0);
    expect(parseAuthConfig({}).sessionIdleMs).toBe(30 * 60_000);
    expect(() => parseAuthConfig({ KEYWATCH_SESSION_TTL_HOURS: '720' })).toThrow(/KEYWATCH_SESSION_TTL_HOURS must be at most 24/);
  });

  it('finding 11: the demo account cannot be made admin or given a password, and the demo login signs in only a viewer', async () => {
    const demo = await h.prisma.user.create({ data: { username: 'demo', role: 'viewer', isDemo: true } });
    const admin = await h.session('admin');
    const patch = (body: Record<string, unknown>) => call({ pattern: '/api/v1/users/[id]', method: 'PATCH', path: `/api/v1/users/${demo.id}`, params: { id: demo.id }, body, as: { kind: 'session', ...admin } });
    // Before: only the UI greyed the role out; this PATCH made the password-less demo button an admin login.
    expect((await patch({ role: 'admin' })).status).toBe(409);
    expect((await patch({ password: 'a-password-for-demo-9' })).status).toBe(409);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: demo.id } })).role).toBe('viewer');
    const config = getAuthConfig();
    const priorDemo = config.demo;
    config.demo = true;
    try {
      const demoLogin = () => call({ pattern: '/api/auth/demo', method: 'POST', path: '/api/auth/demo', as: { kind: 'anonymous' } });
      expect((await demoLogin()).status).toBe(200);
      // Even if the database says otherwise (a direct UPDATE), the button signs in only a viewer.
      await h.prisma.user.update({ where: { id: demo.id }, data: { role: 'admin' } });
      expect((await demoLogin()).status).toBe(403);
    } finally {
      config.demo = priorDemo;
      await h.prisma.user.delete({ where: { id: demo.id } });
    }
  });

  it('finding 14: rejected bearer tokens, cross-site requests and denied reads are in the audit log', async () => {
    const before = await h.prisma.auditEvent.count();
    await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit', as: { kind: 'token', token: 'kw_this-token-does-not-exist-0123456789abcdef' } });
    const viewer = await h.session('viewer');
    await call({ pattern: '/api/v1/audit', method: 'GET', path: '/api/v1/audit', as: { kind: 'session', ...viewer } });
    await call({ pattern: '/api/auth/login', method: 'POST', path: '/api/auth/login', body: { username: 'x', password: 'y' }, headers: { origin: 'https://evil.example' }, as: { kind: 'anonymous' } });
    const events = await h.prisma.auditEvent.findMany({ orderBy: { at: 'asc' }, skip: before });
    expect(events.map((e) => `${e.action}/${e.outcome}`)).toEqual(['auth.token/denied', 'access.denied/denied', 'access.denied/denied']);
    expect(JSON.parse(events[0]!.details!)).toMatchObject({ reason: 'unknown', prefix: 'kw_this-' });
    expect(JSON.parse(events[1]!.details!)).toMatchObject({ method: 'GET', path: '/api/v1/audit' });
    expect(JSON.parse(events[2]!.details!)).toMatchObject({ reason: 'cross-site request', origin: 'https://evil.example' });
  });

  it('finding 15: setup checks its token before any argon2 work, limits wrong links per address, and argon2 work is bounded', async () => {
    const setup = (token: string, ip: string) =>
      call({ pattern: '/api/auth/setup', method: 'POST', path: '/api/auth/setup', body: { token, username: 'intruder', password: PASSWORD }, headers: { 'x-forwarded-for': ip }, as: { kind: 'anonymous' } });
    const runs = argon2Stats().runs;
    // Before: each request hashed the password first (19 MiB, tens of ms) and only then looked at the token.
    for (let i = 0; i < 20; i++) expect((await setup(`not-a-real-setup-token-${i}`, '10.5.0.1')).status).toBe(403);
    expect(argon2Stats().runs).toBe(runs);
    expect((await setup('not-a-real-setup-token-x', '10.5.0.1')).status).toBe(429);
    // Concurrency: however many hashes are asked for at once, at most `concurrency` run together.
    await Promise.all(Array.from({ length: 12 }, (_, i) => hashPassword(`concurrent-${i}`)));
    expect(argon2Stats().peak).toBeLessThanOrEqual(argon2Stats().concurrency);
    const flood = await Promise.allSettled(Array.from({ length: argon2Stats().concurrency + argon2Stats().maxWaiting + 8 }, (_, i) => hashPassword(`flood-${i}`)));
    const busy = flood.filter((r) => r.status === 'rejected');
    expect(busy.length).toBeGreaterThan(0);
    expect(String((busy[0] as PromiseRejectedResult).reason.status)).toBe('503');
  });

  it('finding 12: KEYWATCH_ADMIN_PASSWORD does not bring a deleted admin back once people exist', async () => {
    const env = { KEYWATCH_ADMIN_PASSWORD: 'bootstrap-admin-pass-12' };
    // The harness already has people, so the variable creates nobody.
    const result = await bootstrapAuth(h.prisma, env, { log: () => undefined });
    expect(result.adminCreated).toBe(false);
    expect(await h.prisma.user.count({ where: { username: 'admin' } })).toBe(0);
  });

  it('finding 19: self-service password change needs the current password and refuses breached passwords', async () => {
    const user = await person('pat', 'manager');
    const first = sessionFrom(await login({ username: 'pat', password: PASSWORD }));
    const other = sessionFrom(await login({ username: 'pat', password: PASSWORD }));
    const change = (body: Record<string, unknown>) => call({ pattern: '/api/auth/password', method: 'POST', path: '/api/auth/password', body, as: { kind: 'session', ...first } });
    expect(breachedPasswordCount()).toBeGreaterThan(40_000);
    expect(isBreachedPassword('Qwertyuiop123')).toBe(true);
    const wrong = await change({ currentPassword: 'not-the-current-one', newPassword: 'maple-quartz-signal-42' });
    expect(wrong.status).toBe(400);
    expect(Object.keys(((await wrong.json()) as { fieldErrors: object }).fieldErrors)).toEqual(['currentPassword']);
    const breached = await change({ currentPassword: PASSWORD, newPassword: 'qwertyuiop123' });
    expect(breached.status).toBe(400);
    expect(((await breached.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.newPassword![0]).toMatch(/breach/);
    expect((await change({ currentPassword: PASSWORD, newPassword: 'maple-quartz-signal-42' })).status).toBe(200);
    expect((await login({ username: 'pat', password: 'maple-quartz-signal-42' })).status).toBe(200);
    expect((await login({ username: 'pat', password: PASSWORD })).status).toBe(401);
    // The other session ended; this one lives.
    const alive = async (c: { cookie: string }) => ((await (await call({ pattern: '/api/auth/session', method: 'GET', path: '/api/auth/session', as: { kind: 'session', cookie: c.cookie } })).json()) as { user: unknown }).user !== null;
    expect(await alive(first)).toBe(true);
    expect(await alive(other)).toBe(false);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordChangedAt).toBeInstanceOf(Date);
    // Admins creating users and KEYWATCH_ADMIN_PASSWORD are held to the same list.
    const admin = await h.session('admin');
    const created = await call({ pattern: '/api/v1/users', method: 'POST', path: '/api/v1/users', body: { username: 'weak', role: 'viewer', password: 'passwordpassword' }, as: { kind: 'session', ...admin } });
    expect(created.status).toBe(400);
    expect(() => parseAuthConfig({ KEYWATCH_ADMIN_PASSWORD: 'passwordpassword' })).toThrow(/KEYWATCH_ADMIN_PASSWORD .*breach/);
  });

  it('finding 9: a change and its audit row commit together — no audit row, no change', async () => {
    const admin = await h.session('admin');
    const target = await person('audited', 'viewer');
    const client = new pg.Client({ connectionString: h.db.url });
    await client.connect();
    try {
      await client.query(`CREATE FUNCTION kw_test_refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql`);
      await client.query(`CREATE TRIGGER kw_test_refuse_audit BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION kw_test_refuse_audit()`);
      const res = await call({ pattern: '/api/v1/users/[id]', method: 'PATCH', path: `/api/v1/users/${target.id}`, params: { id: target.id }, body: { role: 'manager' }, as: { kind: 'session', ...admin } });
      expect(res.status).toBe(500);
      // Before: the role changed and the audit write failed afterwards, leaving an unrecorded change.
      expect((await h.prisma.user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe('viewer');
    } finally {
      await client.query('DROP TRIGGER IF EXISTS kw_test_refuse_audit ON "AuditEvent"');
      await client.query('DROP FUNCTION IF EXISTS kw_test_refuse_audit()');
      await client.end();
    }
  });
});
