/**
 * The OpenStack routes as Next calls them (in-process), over a real PostgreSQL and the lab cloud:
 * target CRUD with bad input answered 400 naming the field, Test connection, the read API after a
 * stored poll, and the fixed_key verdict — BLOCKED while rows use the all-zero key ID, SAFE once
 * cinder-volume and cinder-backup were restarted everywhere — through the route and through
 * `npm run gate -- --openstack CLOUD --fixed-key-removal` with the gate's exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuietOpenStackLab } from '../../lab/openstack/testing';
import type { OpenStackLab } from '../../lab/openstack/server';
import { call, startAuthHarness, type AuthHarness, type Caller } from '../auth/testing/harness';
import { pollDue } from '../poller/due-targets';
import { captureLogger, DEFAULT_SETTINGS } from '../poller/testing/harness';
import { EXIT_BLOCKED, EXIT_READY, EXIT_USAGE, runGate } from '../readiness/gate-cli';
import { getSecretBox } from '../secrets/keyring';

const LIST = '/api/v1/targets/openstack';
const ONE = '/api/v1/targets/openstack/[id]';
const TEST = '/api/v1/targets/openstack/[id]/test';
const CLOUDS = '/api/v1/openstack';
const CLOUD = '/api/v1/openstack/[id]';
const VERDICT = '/api/v1/openstack/[id]/fixed-key-removal';

type Json = Record<string, unknown>;

describe('OpenStack routes', () => {
  let h: AuthHarness;
  let lab: OpenStackLab;
  let admin: Caller;
  let reader: Caller;
  let gateCaller: Caller;
  let cloudId: string;

  const validBody = () => ({
    name: 'lab-openstack',
    authUrl: lab.watcher.authUrl,
    username: lab.watcher.username,
    password: lab.watcher.password,
    projectName: lab.watcher.projectName,
    region: lab.watcher.region,
    caPem: lab.watcher.caPem,
  });
  const send = async (pattern: string, method: string, path: string, opts: { body?: unknown; rawBody?: string; params?: Record<string, string>; as?: Caller } = {}) => {
    const res = await call({ pattern, method, path, params: opts.params, body: opts.body, rawBody: opts.rawBody, as: opts.as ?? admin });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const poll = async () => {
    // Due now, on the real clock: the verdict route compares the poll's time with the real one.
    await h.prisma.pollState.updateMany({ data: { nextDueAt: new Date(0) } });
    const results = await pollDue({ prisma: h.prisma, box: getSecretBox(), workerId: 'w', now: () => new Date(), logger: captureLogger().logger, settings: DEFAULT_SETTINGS }, 'openstack', 4);
    expect(results).toHaveLength(1);
    return results[0]!;
  };
  const gate = async (args: string[]) => {
    const out: string[] = [];
    const fetchRoute: typeof fetch = async (input) => {
      const url = new URL(String(input));
      const id = decodeURIComponent(url.pathname.split('/')[4]!);
      return call({ pattern: VERDICT, method: 'GET', path: url.pathname + url.search, params: { id }, as: gateCaller });
    };
    const code = await runGate(args, { KEYWATCH_TOKEN: 'unused-by-fetchRoute' }, { stdout: (t) => out.push(t), stderr: (t) => out.push(t), fetch: fetchRoute, sleep: async () => undefined });
    return { code, out: out.join('\n') };
  };

  beforeAll(async () => {
    [h, lab] = await Promise.all([startAuthHarness(), startQuietOpenStackLab({ estate: { seed: 11 } })]);
    admin = { kind: 'token', token: await h.token(['admin']) };
    reader = { kind: 'token', token: await h.token(['read']) };
    gateCaller = { kind: 'token', token: await h.token(['gate']) };
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
    await h?.close();
  });

  it.each([
    ['no project', (b: Json) => ({ ...b, projectName: undefined }), 'projectName'],
    ['a plain-HTTP Keystone', (b: Json) => ({ ...b, authUrl: 'http://keystone.example:5000/v3' }), 'authUrl'],
    ['an unknown interface', (b: Json) => ({ ...b, interface: 'private' }), 'interface'],
    ['a CA that is not PEM', (b: Json) => ({ ...b, caPem: 'not a certificate' }), 'caPem'],
    ['a name with a slash', (b: Json) => ({ ...b, name: 'a/b' }), 'name'],
    ['no password', (b: Json) => ({ ...b, password: undefined }), 'password'],
  ])('POST with %s answers 400 naming the field', async (_what, change, field) => {
    const res = await send(LIST, 'POST', LIST, { body: change(validBody()) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });

  it('POST with a body that is not JSON answers 400', async () => {
    const res = await send(LIST, 'POST', LIST, { rawBody: '{"name": "x", ' });
    expect(res.status).toBe(400);
  });

  it('adds a cloud (password never shown), tests it, and refuses a Keystone change without the password', async () => {
    const created = await send(LIST, 'POST', LIST, { body: validBody() });
    expect(created.status).toBe(201);
    const cloud = created.body.cloud as Json;
    cloudId = cloud.id as string;
    expect(cloud).toMatchObject({ name: 'lab-openstack', userDomain: 'Default', projectDomain: 'Default', interface: 'public', hasPassword: true });
    const list = await send(LIST, 'GET', LIST);
    expect(JSON.stringify(list.body)).not.toContain(lab.watcher.password);
    expect(await send(LIST, 'POST', LIST, { body: validBody() })).toMatchObject({ status: 409 });
    expect((await send(LIST, 'GET', LIST, { as: reader })).status).toBe(403);

    const moved = await send(ONE, 'PATCH', `${LIST}/${cloudId}`, { params: { id: cloudId }, body: { authUrl: 'https://evil.example:5000/v3' } });
    expect(moved.status).toBe(400);
    expect(JSON.stringify(moved.body)).toContain('password');
    expect((await send(ONE, 'PATCH', `${LIST}/${cloudId}`, { params: { id: cloudId }, body: { region: 42 } })).status).toBe(400);

    const tested = await send(TEST, 'POST', `${LIST}/${cloudId}/test`, { params: { id: cloudId } });
    expect(tested.status).toBe(200);
    expect(tested.body.ok).toBe(true);
    expect(String(tested.body.message)).toContain('Barbican');
    const audit = await h.prisma.auditEvent.findMany({ where: { action: { startsWith: 'target.openstack.' } }, orderBy: { at: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['target.openstack.create', 'target.openstack.test']));
    expect(audit.map((a) => a.details ?? '').join(' ')).not.toContain(lab.watcher.password);
  });

  it('reads the stored poll: clouds, one cloud with problems and hosts, 404 and 400 for bad ids and queries', async () => {
    const first = await poll();
    expect(first.outcome).toBe('success');
    const clouds = await send(CLOUDS, 'GET', CLOUDS, { as: reader });
    expect(clouds.status).toBe(200);
    const [summary] = clouds.body.clouds as Json[];
    const truth = lab.state().counts;
    expect(summary).toMatchObject({ id: cloudId, fixedKeyRows: truth.volumes.fixedKey + truth.snapshots.fixedKey + truth.backups.fixedKey });
    expect((summary!.barbican as Json).api).toBe('ok');

    const detail = await send(CLOUD, 'GET', `${CLOUDS}/${cloudId}`, { params: { id: cloudId }, as: reader });
    expect(detail.status).toBe(200);
    expect((detail.body.hosts as Json[]).length).toBeGreaterThan(0);
    expect((detail.body.latency as Json[]).map((l) => l.metric)).toContain('apiLatencyMs');
    expect((await send(CLOUD, 'GET', `${CLOUDS}/nope`, { params: { id: 'nope' }, as: reader })).status).toBe(404);
    expect((await send(CLOUD, 'GET', `${CLOUDS}/${cloudId}?problemLimit=lots`, { params: { id: cloudId }, as: reader })).status).toBe(400);
    expect((await send(VERDICT, 'GET', `${CLOUDS}/${cloudId}/fixed-key-removal?maxAgeSeconds=-1`, { params: { id: cloudId }, as: gateCaller })).status).toBe(400);
  });

  it('fixed_key removal is BLOCKED while rows use the all-zero ID and SAFE after restarting cinder-volume and cinder-backup everywhere, through the gate CLI too', async () => {
    const blocked = await send(VERDICT, 'GET', `${CLOUDS}/${cloudId}/fixed-key-removal`, { params: { id: cloudId }, as: gateCaller });
    expect(blocked.status).toBe(200);
    expect(blocked.body.verdict).toBe('BLOCKED');
    expect(String(blocked.body.reasons)).toContain('all-zero key ID');
    const cliBlocked = await gate(['--openstack', 'lab-openstack', '--fixed-key-removal']);
    expect(cliBlocked.code).toBe(EXIT_BLOCKED);
    expect(cliBlocked.out).toContain('lab-openstack: fixed_key removal BLOCKED');

    for (const s of lab.estate.services.filter((x) => x.binary === 'cinder-volume' || x.binary === 'cinder-backup')) await lab.fault({ type: 'restart-service', host: s.host, binary: s.binary });
    await poll();
    const safe = await send(VERDICT, 'GET', `${CLOUDS}/${cloudId}/fixed-key-removal`, { params: { id: cloudId }, as: gateCaller });
    expect(safe.body).toMatchObject({ verdict: 'SAFE', fixedKey: { volumes: 0, snapshots: 0, backups: 0 } });
    const cliSafe = await gate(['--openstack', cloudId, '--fixed-key-removal', '--json']);
    expect(cliSafe.code).toBe(EXIT_READY);
    expect(JSON.parse(cliSafe.out)).toMatchObject({ verdict: 'SAFE' });

    // Fail closed: a verdict from data older than allowed is BLOCKED.
    await new Promise((r) => setTimeout(r, 2100));
    const old = await gate(['--openstack', 'lab-openstack', '--fixed-key-removal', '--max-age', '1']);
    expect(old.code).toBe(EXIT_BLOCKED);
    expect(old.out).toMatch(/older than the 1 s allowed/);
  });

  it('the gate CLI refuses a bad command line and an unknown cloud with exit 2', async () => {
    expect((await gate(['--openstack', 'lab-openstack'])).code).toBe(EXIT_USAGE);
    expect((await gate(['--openstack', 'lab-openstack', '--fixed-key-removal', '--max-age', 'soon'])).code).toBe(EXIT_USAGE);
    const unknown = await gate(['--openstack', 'no-such-cloud', '--fixed-key-removal']);
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.out).toContain('does not know OpenStack cloud no-such-cloud');
  });
});
