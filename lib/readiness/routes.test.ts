/**
 * The gate end to end: the real route handlers (in-process, as Next calls them) over the real lab
 * and a real PostgreSQL holding what the poller stored. Actions go to the lab vCenter for real;
 * GET /lab/state proves what happened (boot counts) and what did not.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deliverDue } from '../alerts/notifications/deliver';
import { SIGNATURE_HEADER, verifySignature } from '../alerts/notifications/signature';
import { startWebhookReceiver, type WebhookReceiver } from '../alerts/notifications/testing/webhook-receiver';
import { createApiToken } from '../auth/api-tokens';
import { skipLazyBootstrapForTests } from '../auth/bootstrap-once';
import { createSession, SESSION_COOKIE } from '../auth/sessions';
import { call, type Caller } from '../auth/testing/harness';
import { setPrismaFactoryForTests } from '../auth/with-policy';
import { createLogger } from '../logging/logger';
import { setWebLoggerForTests } from '../logging/web-logger';
import { labRequest, type PollHarness } from '../poller/testing/harness';
import { EXIT_BLOCKED, EXIT_READY, runGate } from './gate-cli';
import { startGateLab } from './testing/lab-gate';

const READINESS = '/api/v1/hosts/[id]/readiness';
const ACTIONS = '/api/v1/hosts/[id]/actions';
const ACTION = '/api/v1/hosts/[id]/actions/[actionId]';

const bootSchema = z.object({ hosts: z.array(z.object({ id: z.string(), bootCount: z.number(), diskGroupsMounted: z.boolean(), inMaintenanceMode: z.boolean() })) });

interface Json {
  [k: string]: unknown;
}

const WEBHOOK_SECRET = 'override-webhook-secret-0123456789';

describe('readiness gate API against the lab', () => {
  let h: PollHarness;
  let hostId: string;
  let hostName: string;
  let peerId: string;
  let receiver: WebhookReceiver;
  let adminId: string;
  const as: Record<'gate' | 'actions' | 'admin', Caller> = {} as never;
  /** An admin's browser session, signed in `minutesAgo` minutes ago. */
  const adminSession = async (minutesAgo: number): Promise<Caller> => {
    const s = await createSession(h.prisma, adminId, { ttlMs: 3600_000, authenticatedAt: new Date(Date.now() - minutesAgo * 60_000) });
    return { kind: 'session', cookie: `__Host-${SESSION_COOKIE}=${s.cookieValue}`, csrf: s.csrfToken };
  };

  const labHost = async (id = hostId) => bootSchema.parse(await labRequest(h.lab, 'GET', '/lab/state')).hosts.find((x) => x.id === id)!;
  const readiness = async (id = hostName, action = 'reboot', caller: Caller = as.gate) => {
    const res = await call({ pattern: READINESS, method: 'GET', path: `/api/v1/hosts/${encodeURIComponent(id)}/readiness?action=${action}`, params: { id }, as: caller });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const act = async (body: unknown, caller: Caller = as.actions, id = hostId) => {
    const res = await call({ pattern: ACTIONS, method: 'POST', path: `/api/v1/hosts/${id}/actions`, params: { id }, body, as: caller });
    return { status: res.status, body: (await res.json()) as Json };
  };
  /** Polls the action's progress route until it is no longer running. */
  const settle = async (actionId: string) => {
    for (let i = 0; i < 240; i++) {
      const res = await call({ pattern: ACTION, method: 'GET', path: `/api/v1/hosts/${hostId}/actions/${actionId}`, params: { id: hostId, actionId }, as: as.actions });
      const body = (await res.json()) as Json;
      expect(res.status).toBe(200);
      if (body.state !== 'running') return body;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('action did not settle');
  };
  const gate = async (action = 'reboot') => {
    const out: string[] = [];
    const fetchRoute: typeof fetch = async (input) => {
      const url = new URL(String(input));
      const id = decodeURIComponent(url.pathname.split('/')[4]!);
      return call({ pattern: READINESS, method: 'GET', path: url.pathname + url.search, params: { id }, as: as.gate });
    };
    const code = await runGate([hostName, '--action', action], { KEYWATCH_TOKEN: 'unused-by-fetchRoute' }, { stdout: (t) => out.push(t), stderr: (t) => out.push(t), fetch: fetchRoute, sleep: async () => undefined });
    return { code, out: out.join('\n') };
  };
  const audits = (action: string) => h.prisma.auditEvent.findMany({ where: { action }, orderBy: { at: 'asc' } });

  beforeAll(async () => {
    [{ h, hostId, hostName, peerId }, receiver] = await Promise.all([startGateLab({ timings: { rebootDownMs: 1500, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10 } }), startWebhookReceiver()]);
    process.env.KEYWATCH_MASTER_KEY = h.box.masterKey;
    setPrismaFactoryForTests(() => h.prisma);
    skipLazyBootstrapForTests();
    // Tokens live as long as their creator may hold the scopes, so an admin makes them.
    const creator = await h.prisma.user.create({ data: { username: 'token-maker', role: 'admin', passwordHash: null } });
    adminId = creator.id;
    for (const scope of ['gate', 'actions', 'admin'] as const) {
      as[scope] = { kind: 'token', token: (await createApiToken(h.prisma, { name: `t-${scope}`, scopes: [scope], expiresAt: null, createdById: creator.id })).value };
    }
    // Break-glass is loud: one receiver hears overrides (signed), another only alerts (must hear nothing here).
    for (const hook of [
      { name: 'security', url: `${receiver.url}/override`, secret: WEBHOOK_SECRET, events: ['override'] },
      { name: 'alerts-only', url: `${receiver.url}/alerts`, events: ['open', 'resolve'] },
    ]) {
      const res = await call({ pattern: '/api/v1/webhooks', method: 'POST', path: '/api/v1/webhooks', body: hook, as: as.admin });
      expect(res.status, await res.clone().text()).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    receiver?.close();
    await h?.close();
  });

  it('bad input: unknown host 404, unknown action 400, override by a non-admin 403, override without reason 400', async () => {
    expect((await readiness('no-such-host')).status).toBe(404);
    expect((await readiness(hostName, 'format-disks')).status).toBe(400);
    expect((await act({ action: 'format-disks' })).status).toBe(400);
    expect((await act({ action: 'reboot' }, as.actions, 'no-such-host')).status).toBe(404);
    expect((await act({ action: 'reboot', override: { reason: 'because I say so' } }, as.actions)).status).toBe(403);
    expect((await act({ action: 'reboot', override: {} }, as.admin)).status).toBe(400);
    expect((await labHost()).bootCount).toBe(1);
  });

  it('reboot outside maintenance mode → 409 invalid-state before anything is sent, override or not; so are maintenance twice and exit without it', async () => {
    expect((await readiness(hostName)).body.verdict).toBe('READY');
    const refused = await act({ action: 'reboot' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'invalid-state', verdict: 'READY' });
    expect(refused.body.error).toMatch(/not in maintenance mode: enter maintenance mode first/);
    const forced = await act({ action: 'reboot', override: { reason: 'Patch window closing, reboot it now please' } }, as.admin);
    expect(forced.status).toBe(409);
    expect(forced.body.code).toBe('invalid-state');
    expect((await act({ action: 'exit-maintenance' })).body.code).toBe('invalid-state');
    expect((await labHost()).bootCount).toBe(1);
    expect(await h.prisma.hostAction.count()).toBe(0);
    const refusals = (await audits('gate.decision')).filter((a) => a.outcome === 'denied').map((a) => JSON.parse(a.details!) as { reason?: string });
    expect(refusals.at(-1)!.reason).toMatch(/not in maintenance mode/);
  });

  it('step-up: a browser session older than 5 minutes is asked to re-authenticate for host actions and overrides; a fresh one reaches the gate; tokens are not asked', async () => {
    const stale = await adminSession(6);
    for (const body of [{ action: 'enter-maintenance' }, { action: 'reboot', override: { reason: 'Stale session trying to force a reboot' } }]) {
      const res = await act(body, stale);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('reauthentication-required');
    }
    expect(await h.prisma.hostAction.count()).toBe(0);
    expect((await labHost()).inMaintenanceMode).toBe(false);
    // Reading the verdict is not dangerous: no step-up.
    expect((await readiness(hostName, 'reboot', stale)).status).toBe(200);
    // A fresh session passes the step-up and meets the gate itself (here: the state check).
    const fresh = await act({ action: 'exit-maintenance' }, await adminSession(1));
    expect(fresh.status).toBe(409);
    expect(fresh.body.code).toBe('invalid-state');
  });

  it('healthy → READY; enter maintenance and reboot go through and the host comes back with disk groups mounted; gate exits 0', async () => {
    const check = await readiness(hostName);
    expect(check.status).toBe(200);
    expect(check.body.verdict).toBe('READY');
    expect(typeof check.body.durationMs).toBe('number');
    expect((await gate()).code).toBe(EXIT_READY);

    const enter = await act({ action: 'enter-maintenance' });
    expect(enter.status).toBe(202);
    expect((await settle((enter.body.action as Json).id as string)).state).toBe('succeeded');
    expect((await labHost()).inMaintenanceMode).toBe(true);

    const reboot = await act({ action: 'reboot' });
    expect(reboot.status).toBe(202);
    const done = await settle((reboot.body.action as Json).id as string);
    expect(done).toMatchObject({ state: 'succeeded', verdict: 'READY' });
    const after = await labHost();
    expect(after.bootCount).toBe(2);
    expect(after.diskGroupsMounted).toBe(true);

    const exit = await act({ action: 'exit-maintenance' });
    expect((await settle((exit.body.action as Json).id as string)).state).toBe('succeeded');
    expect((await audits('gate.decision')).map((a) => JSON.parse(a.details!).decision)).toEqual(expect.arrayContaining(['allowed']));
  }, 60_000);

  it("the seed's outage: every KMS node on another port → BLOCKED, reboot refused with 409, nothing sent, gate exits 3; restored → READY, exit 0", async () => {
    const logged: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    setWebLoggerForTests(createLogger('web', { destination }));
    for (const n of h.lab.kms.nodes) await h.fault({ type: 'kms-node-port', node: n.id, port: n.port + 1001 });
    const check = await readiness(hostName);
    expect(check.body.verdict).toBe('BLOCKED');
    expect(check.body.blocking).toEqual(expect.arrayContaining(['KMS_NODE_REACHABLE']));
    const refused = await act({ action: 'reboot' });
    expect(refused.status).toBe(409);
    expect(refused.body.blocking).toEqual(expect.arrayContaining(['KMS_NODE_REACHABLE']));
    expect(Array.isArray(refused.body.rules)).toBe(true);
    expect((await labHost()).bootCount).toBe(2);
    const blocked = await gate();
    expect(blocked.code).toBe(EXIT_BLOCKED);
    expect(blocked.out).toContain('KMS_NODE_REACHABLE');
    const refusals = (await audits('gate.decision')).filter((a) => a.outcome === 'denied');
    expect(JSON.parse(refusals.at(-1)!.details!).blocking).toContain('KMS_NODE_REACHABLE');
    // The web process says why, in structured lines an operator can grep by host.
    setWebLoggerForTests(undefined);
    const lines = logged.map((l) => JSON.parse(l) as Json);
    expect(lines).toContainEqual(expect.objectContaining({ process: 'web', msg: 'readiness check', host: hostName, verdict: 'BLOCKED', blocking: expect.arrayContaining(['KMS_NODE_REACHABLE']) }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'host action refused by the readiness gate', host: hostName, action: 'reboot' }));

    for (const n of h.lab.kms.nodes) await h.fault({ type: 'kms-node-port', node: n.id });
    expect((await readiness(hostName)).body.verdict).toBe('READY');
    expect((await gate()).code).toBe(EXIT_READY);
  }, 60_000);

  it('another host disconnected → CLUSTER_REDUNDANCY; an admin override lets one action through, then one reboot, each audited with the failing rules and notified by webhook', async () => {
    const bootsBefore = (await labHost()).bootCount;
    await labRequest(h.lab, 'POST', '/lab/faults', { type: 'host-disconnect', host: peerId, on: true });
    try {
      const check = await readiness(hostName, 'enter-maintenance');
      expect(check.body.blocking).toEqual(['CLUSTER_REDUNDANCY']);
      expect((await act({ action: 'enter-maintenance' })).status).toBe(409);
      const overridden = await act({ action: 'enter-maintenance', override: { reason: 'Planned: peer is being replaced, data is mirrored elsewhere' } }, as.admin);
      expect(overridden.status).toBe(202);
      const done = await settle((overridden.body.action as Json).id as string);
      expect(done).toMatchObject({ state: 'succeeded', verdict: 'BLOCKED', blockingRules: ['CLUSTER_REDUNDANCY'] });
      expect((done.override as Json).reason).toContain('Planned');
      const [event] = await audits('override.create');
      expect(JSON.parse(event!.details!)).toMatchObject({ webhooksNotified: 1, failingRules: [expect.objectContaining({ id: 'CLUSTER_REDUNDANCY', status: 'fail' })] });
      // One override is one action: the next request is refused again.
      const again = await act({ action: 'reboot' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('blocked');
      expect((await labHost()).bootCount).toBe(bootsBefore);

      const reboot = await act({ action: 'reboot', override: { reason: 'Firmware fix cannot wait for the peer replacement', expiresInMinutes: 30 } }, as.admin);
      expect(reboot.status).toBe(202);
      expect((await settle((reboot.body.action as Json).id as string)).state).toBe('succeeded');
      expect((await labHost()).bootCount).toBe(bootsBefore + 1);
    } finally {
      await labRequest(h.lab, 'POST', '/lab/faults', { type: 'host-disconnect', host: peerId, on: false });
    }
    expect((await audits('override.create')).length).toBe(2);

    // The notify job sends what the override queued, signed, to the subscribed receiver only.
    await deliverDue(h.prisma, { workerId: 'test', now: () => new Date(), box: h.box, maxAttempts: 3 });
    const notices = receiver.received.filter((r) => r.path === '/override');
    expect(notices).toHaveLength(2);
    for (const n of notices) {
      expect(n.headers['x-keywatch-event']).toBe('override');
      expect(verifySignature(WEBHOOK_SECRET, n.body, String(n.headers[SIGNATURE_HEADER]), new Date())).toBe(true);
    }
    const bodies = notices.map((n) => JSON.parse(n.body) as { event: string; override: { host: { name: string }; action: string; by: string; reason: string; expiresAt: string; failingRules: { id: string }[] } });
    expect(bodies.map((b) => b.override.action).sort()).toEqual(['enter-maintenance', 'reboot']);
    const rebootNotice = bodies.find((b) => b.override.action === 'reboot')!;
    expect(rebootNotice).toMatchObject({ event: 'override', override: { host: { name: hostName }, by: 'token:t-admin', reason: expect.stringContaining('Firmware') } });
    expect(rebootNotice.override.failingRules.map((r) => r.id)).toEqual(['CLUSTER_REDUNDANCY']);
    const minutes = (Date.parse(rebootNotice.override.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(25);
    expect(minutes).toBeLessThanOrEqual(30);
    expect(receiver.received.filter((r) => r.path === '/alerts' && (JSON.parse(r.body) as { event: string }).event === 'override')).toEqual([]);

    const exit = await act({ action: 'exit-maintenance' });
    expect((await settle((exit.body.action as Json).id as string)).state).toBe('succeeded');
  }, 90_000);

  it('vCenter down → BLOCKED by VC_REACHABLE, and even an admin override starts nothing', async () => {
    await h.fault({ type: 'vcenter-unavailable', on: true });
    try {
      const refused = await act({ action: 'reboot', override: { reason: 'trying to force it through anyway' } }, as.admin);
      expect(refused.status).toBe(409);
      expect(refused.body.blocking).toContain('VC_REACHABLE');
    } finally {
      await h.fault({ type: 'vcenter-unavailable', on: false });
    }
    expect((await labHost()).bootCount).toBe(3);
  });
});
