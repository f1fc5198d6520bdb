/**
 * The read and alert APIs end to end: the real route handlers (in-process, as Next calls them)
 * over what the poller stored from the real lab, and webhooks delivered to a local receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDue } from '../alerts/notifications/deliver';
import { SIGNATURE_HEADER, verifySignature } from '../alerts/notifications/signature';
import { startWebhookReceiver } from '../alerts/notifications/testing/webhook-receiver';
import { createApiToken } from '../auth/api-tokens';
import { skipLazyBootstrapForTests } from '../auth/bootstrap-once';
import { createSession } from '../auth/sessions';
import { call, type Caller } from '../auth/testing/harness';
import { setPrismaFactoryForTests } from '../auth/with-policy';
import { startPollHarness, type PollHarness } from '../poller/testing/harness';
import { rowId } from './vcenter-rows';

const SECRET = 'a-webhook-secret-of-some-length';

describe('read, alert and webhook APIs over stored observations', () => {
  let h: PollHarness;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const as: Record<'read' | 'actions' | 'admin', Caller> = {} as never;
  let oncall: Caller;
  let isolated: string;

  const get = async (path: string, caller: Caller = as.read, pattern?: string, params?: Record<string, string>) => {
    const url = new URL(path, 'http://x');
    const res = await call({ pattern: pattern ?? url.pathname, method: 'GET', path, params, as: caller });
    return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text()) as never };
  };
  const post = async (pattern: string, path: string, body: unknown, caller: Caller = as.admin, params?: Record<string, string>) => {
    const res = await call({ pattern, method: 'POST', path, params, body, as: caller });
    return { status: res.status, body: (await res.json()) as never };
  };
  const deliver = () => deliverDue(h.prisma, { workerId: 'test', now: h.clock.now, box: h.box, maxAttempts: 3 });

  beforeAll(async () => {
    [h, receiver] = await Promise.all([startPollHarness(), startWebhookReceiver()]);
    process.env.KEYWATCH_MASTER_KEY = h.box.masterKey;
    setPrismaFactoryForTests(() => h.prisma);
    skipLazyBootstrapForTests();
    // Tokens live as long as their creator may hold the scopes, so an admin makes them.
    const creator = await h.prisma.user.create({ data: { username: 'token-maker', role: 'admin', passwordHash: null } });
    for (const scope of ['read', 'actions', 'admin'] as const) {
      as[scope] = { kind: 'token', token: (await createApiToken(h.prisma, { name: `t-${scope}`, scopes: [scope], expiresAt: null, createdById: creator.id })).value };
    }
    const user = await h.prisma.user.create({ data: { username: 'oncall-1', role: 'oncall' } });
    const session = await createSession(h.prisma, user.id, { ttlMs: 3600_000 });
    oncall = { kind: 'session', cookie: `__Host-kw_session=${session.cookieValue}`, csrf: session.csrfToken };
    const state = await h.state();
    const cluster = state.clusters.find((c) => c.encryption === 'standard')!;
    isolated = cluster.hostIds.find((id) => state.vms!.some((v) => v.hostId === id && v.configKey?.providerId === 'lab-kms'))!;
    await h.pollAll();
    h.clock.advance(10_000);
    await h.pollAll();
  }, 120_000);
  afterAll(async () => {
    receiver?.close();
    await h?.close();
  });

  it('pages hosts with a keyset cursor and filters them server-side', async () => {
    const all: { id: string; name: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { hosts: { id: string; name: string }[]; nextCursor: string | null; freshness: { targetId: string; stale: boolean; lastSuccessAt: string | null }[] };
      } = await get(`/api/v1/hosts?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.hosts.length).toBeLessThanOrEqual(4);
      expect(page.body.freshness.every((f) => f.stale === false)).toBe(true);
      // Freshness comes out of the page's own statement: exactly the vCenter's PollState, to the millisecond.
      const state = await h.prisma.pollState.findFirstOrThrow({ where: { vcenterId: { not: null } } });
      expect(page.body.freshness.map((f) => [f.targetId, f.lastSuccessAt])).toEqual([[state.vcenterId, state.lastSuccessAt?.toISOString()]]);
      all.push(...page.body.hosts);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(9);
    expect(new Set(all.map((x) => x.id)).size).toBe(9);
    expect(all.map((x) => x.name)).toEqual([...all.map((x) => x.name)].sort());

    const clusterId = rowId(h.vcenterId, (await h.state()).clusters[0]!.id);
    const inCluster: { body: { hosts: { cluster: { id: string } }[] } } = await get(`/api/v1/hosts?cluster=${encodeURIComponent(clusterId)}`);
    expect(inCluster.body.hosts).toHaveLength(3);
    expect(inCluster.body.hosts.every((x) => x.cluster.id === clusterId)).toBe(true);
    const safe: { body: { hosts: { cryptoState: string }[] } } = await get('/api/v1/hosts?cryptoState=safe&connection=connected');
    expect(safe.body.hosts.length).toBeGreaterThan(0);
    expect(safe.body.hosts.every((x) => x.cryptoState === 'safe')).toBe(true);
    const named: { body: { hosts: { name: string }[] } } = await get(`/api/v1/hosts?q=${encodeURIComponent(all[4]!.name.toUpperCase())}`);
    expect(named.body.hosts.map((x) => x.name)).toEqual([all[4]!.name]);
    expect((await get('/api/v1/hosts?cursor=garbage')).status).toBe(400);
    expect((await get('/api/v1/hosts?limit=0')).status).toBe(400);
    expect((await get('/api/v1/hosts?cryptoState=weird')).status).toBe(400);
  });

  it('a host isolated from its KMS and rebooted: alerts pinned and ordered, the host page explains the key cache, ack is audited and notified', async () => {
    const created: { status: number; body: { webhook: { id: string; hasSecret: boolean } } } = await post('/api/v1/webhooks', '/api/v1/webhooks', {
      name: 'pager',
      url: `${receiver.url}/json`,
      secret: SECRET,
      minSeverity: 'warning',
    });
    expect(created.status).toBe(201);
    expect(created.body.webhook.hasSecret).toBe(true);
    expect(JSON.stringify(created.body)).not.toContain(SECRET);
    await post('/api/v1/webhooks', '/api/v1/webhooks', { name: 'chat', url: `${receiver.url}/slack`, format: 'slack', events: ['open'], minSeverity: 'critical' });
    const failing: { body: { webhook: { id: string } } } = await post('/api/v1/webhooks', '/api/v1/webhooks', { name: 'broken', url: `${receiver.url}/fail`, events: ['open'] });
    expect((await post('/api/v1/webhooks', '/api/v1/webhooks', { name: 'bad', url: 'ftp://x', secret: 'short' })).status).toBe(400);

    await h.fault({ type: 'host-kms-isolation', host: isolated });
    await h.fault({ type: 'host-reboot', host: isolated, wait: true });
    h.clock.advance(30_000);
    await h.pollAll();

    const list: { body: { alerts: { kind: string; severity: string; pinned: boolean; links: { hostId: string | null }; runbook: string }[]; counts: Record<string, number> } } = await get('/api/v1/alerts');
    const kinds = list.body.alerts.map((a) => a.kind);
    expect(kinds[0]).toBe('DISK_GROUP_UNMOUNTED');
    expect(list.body.alerts.filter((a) => a.pinned).every((a) => a.kind === 'DISK_GROUP_UNMOUNTED')).toBe(true);
    const firstUnpinned = list.body.alerts.findIndex((a) => !a.pinned);
    expect(list.body.alerts.slice(0, firstUnpinned).every((a) => a.pinned)).toBe(true);
    const rest = list.body.alerts.slice(firstUnpinned).map((a) => a.severity);
    expect(rest).toEqual([...rest].sort((a, b) => (b === 'critical' ? 1 : 0) - (a === 'critical' ? 1 : 0)));
    // Only the host lost its KMS: VM keys still reach it through vCenter, so no VM is locked.
    expect(kinds).toContain('HOST_KMS_UNREACHABLE');
    expect(kinds).toContain('DISK_GROUP_KEYS_NOT_LOADED');
    expect(kinds).not.toContain('VM_LOCKED');
    expect(list.body.alerts.find((a) => a.kind === 'DISK_GROUP_UNMOUNTED')!.links.hostId).toBe(rowId(h.vcenterId, isolated));
    expect(list.body.counts.critical).toBeGreaterThan(0);
    const unmountedCause = (list.body.alerts.find((a) => a.kind === 'DISK_GROUP_UNMOUNTED') as unknown as { cause: string }).cause;
    expect(unmountedCause).toMatch(/reports key provider lab-kms as ERROR/);
    expect(unmountedCause).toMatch(/The KMS nodes answer Keywatch, so the fault is on the path from this host/);

    const critical: { body: { alerts: { severity: string }[] } } = await get('/api/v1/alerts?severity=critical&kind=DISK_GROUP_KEYS_NOT_LOADED');
    expect(critical.body.alerts.length).toBeGreaterThan(0);
    expect(critical.body.alerts.every((a) => a.severity === 'critical')).toBe(true);
    const paged: { body: { alerts: { id: string }[]; nextCursor: string } } = await get('/api/v1/alerts?limit=2');
    const next: { body: { alerts: { id: string }[] } } = await get(`/api/v1/alerts?limit=50&cursor=${paged.body.nextCursor}`);
    expect(next.body.alerts.map((a) => a.id)).toEqual(list.body.alerts.slice(2).map((a) => (a as unknown as { id: string }).id));

    const host: { status: number; body: { keyCache: { notLoaded: number; keys: { purpose: string; loaded: boolean | null }[] }; diskGroups: { mounted: boolean }[]; encryptedVms: { cryptoState: string }[]; providers: { providerId: string; health: string }[] } } = await get(
      `/api/v1/hosts/${encodeURIComponent(rowId(h.vcenterId, isolated))}`,
      as.read,
      '/api/v1/hosts/[id]',
      { id: rowId(h.vcenterId, isolated) },
    );
    expect(host.status).toBe(200);
    expect(host.body.keyCache.keys.find((k) => k.purpose === 'vsan-kek')?.loaded).toBe(false);
    expect(host.body.keyCache.keys.find((k) => k.purpose === 'host-key')?.loaded).toBe(false);
    expect(host.body.keyCache.keys.filter((k) => k.purpose === 'vm-kek').every((k) => k.loaded !== false)).toBe(true);
    expect(host.body.keyCache.notLoaded).toBe(2);
    expect(host.body.diskGroups.every((g) => !g.mounted)).toBe(true);
    expect(host.body.encryptedVms.length).toBeGreaterThan(0);
    expect(host.body.providers.find((p) => p.providerId === 'lab-kms')?.health).toBe('ERROR');
    expect((await get('/api/v1/hosts/nope', as.read, '/api/v1/hosts/[id]', { id: 'nope' })).status).toBe(404);

    // Webhooks: signed JSON, Slack format for critical only, a broken receiver retried then dead-lettered.
    await deliver();
    const opened = receiver.received.filter((r) => r.path === '/json');
    expect(opened.length).toBeGreaterThan(0);
    for (const r of opened) {
      expect(verifySignature(SECRET, r.body, String(r.headers[SIGNATURE_HEADER]), h.clock.now())).toBe(true);
      expect(verifySignature('another-secret-value', r.body, String(r.headers[SIGNATURE_HEADER]), h.clock.now())).toBe(false);
    }
    expect(opened.map((r) => (JSON.parse(r.body) as { event: string; alert: { kind: string } }).alert.kind)).toContain('DISK_GROUP_UNMOUNTED');
    const slack = receiver.received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body) as { text: string; blocks: unknown[] });
    expect(slack.length).toBeGreaterThan(0);
    expect(slack.every((m) => m.text.includes('[CRITICAL]') && m.blocks.length === 3)).toBe(true);
    for (let i = 0; i < 3; i++) {
      h.clock.advance(3600_000);
      await deliver();
    }
    const dead: { body: { deliveries: { id: string; status: string; attempts: number; lastError: string }[] } } = await get(
      `/api/v1/webhooks/${failing.body.webhook.id}/deliveries?status=dead`,
      as.admin,
      '/api/v1/webhooks/[id]/deliveries',
      { id: failing.body.webhook.id },
    );
    expect(dead.body.deliveries.length).toBeGreaterThan(0);
    expect(dead.body.deliveries.every((d) => d.attempts === 3 && /HTTP 500/.test(d.lastError))).toBe(true);
    const retried: { status: number; body: { status: string } } = await post(
      '/api/v1/webhooks/[id]/deliveries/[deliveryId]/retry',
      `/api/v1/webhooks/${failing.body.webhook.id}/deliveries/${dead.body.deliveries[0]!.id}/retry`,
      {},
      as.admin,
      { id: failing.body.webhook.id, deliveryId: dead.body.deliveries[0]!.id },
    );
    expect(retried.body.status).toBe('pending');

    // Acknowledge: oncall may, a read token may not; an empty note is refused; the ack is audited and notified.
    const target = list.body.alerts[0] as unknown as { id: string };
    const ackPath = `/api/v1/alerts/${target.id}/ack`;
    expect((await post('/api/v1/alerts/[id]/ack', ackPath, { note: 'looking' }, as.read, { id: target.id })).status).toBe(403);
    expect((await post('/api/v1/alerts/[id]/ack', ackPath, { note: '  ' }, oncall, { id: target.id })).status).toBe(400);
    const acked: { status: number; body: { alert: { acknowledged: { by: string; note: string } } } } = await post('/api/v1/alerts/[id]/ack', ackPath, { note: 'restoring KMS path' }, oncall, { id: target.id });
    expect(acked.status).toBe(200);
    expect(acked.body.alert.acknowledged).toMatchObject({ by: 'oncall-1', note: 'restoring KMS path' });
    const audit = await h.prisma.auditEvent.findFirstOrThrow({ where: { action: 'alert.ack', targetId: target.id } });
    expect(audit.actorName).toBe('oncall-1');
    await deliver();
    expect(receiver.received.some((r) => r.path === '/json' && (JSON.parse(r.body) as { event: string }).event === 'ack')).toBe(true);

    // KMS path back, remount: the alerts resolve and the receiver hears it.
    await h.fault({ type: 'host-kms-isolation', host: isolated, on: false });
    await h.fault({ type: 'remount', host: isolated });
    h.clock.advance(30_000);
    await h.pollAll();
    expect((await get('/api/v1/alerts?kind=DISK_GROUP_UNMOUNTED')).body).toMatchObject({ alerts: [] });
    const resolvedList: { body: { alerts: { state: string; acknowledged: unknown }[] } } = await get('/api/v1/alerts?state=resolved&kind=DISK_GROUP_UNMOUNTED');
    expect(resolvedList.body.alerts.length).toBeGreaterThan(0);
    expect((await post('/api/v1/alerts/[id]/ack', ackPath, { note: 'late' }, oncall, { id: target.id })).status).toBe(409);
    await deliver();
    expect(receiver.received.some((r) => r.path === '/json' && (JSON.parse(r.body) as { event: string }).event === 'resolve')).toBe(true);
  });

  it('the host list sorts, pages by number and filters by the stored reboot verdict (the isolated host is BLOCKED)', async () => {
    type Row = { id: string; name: string; cluster: { name: string } | null; verdict: { state: string; reason: string | null } };
    type Page = { status: number; body: { hosts: Row[]; total: number; page: number; nextCursor: string | null } };
    const versions = async () => h.prisma.pollState.findFirstOrThrow({ where: { vcenterId: h.vcenterId }, select: { cycle: true, dataVersion: true } });
    const quiet = await versions();
    h.clock.advance(30_000);
    await h.pollAll();
    // A cycle that changed nothing leaves the data version (what the stored-estate cache keys on) alone.
    expect(await versions()).toEqual({ cycle: quiet.cycle + 1, dataVersion: quiet.dataVersion });
    await h.fault({ type: 'host-kms-isolation', host: isolated });
    h.clock.advance(30_000);
    await h.pollAll();
    expect((await versions()).dataVersion).toBe(quiet.dataVersion + 1);
    // The list answers from the previous estate read while the new one is under way: one read behind at most.
    const blockedNow = async () => ((await get('/api/v1/hosts?limit=500&page=1')) as Page).body.hosts.find((x) => x.id === rowId(h.vcenterId, isolated))?.verdict.state;
    await expect.poll(blockedNow, { timeout: 10_000, interval: 50 }).toBe('BLOCKED');
    const all: Page = await get('/api/v1/hosts?limit=500&page=1');
    expect(all.body.total).toBe(9);
    // Keyset paging (no page number) does not count.
    expect(((await get('/api/v1/hosts?limit=500')) as Page).body.total).toBeNull();
    const isolatedRow = all.body.hosts.find((x) => x.id === rowId(h.vcenterId, isolated))!;
    expect(isolatedRow.verdict.state).toBe('BLOCKED');
    expect(isolatedRow.verdict.reason).toBeTruthy();
    const states = new Map(all.body.hosts.map((x) => [x.id, x.verdict.state]));
    expect([...states.values()]).toContain('READY');

    for (const verdict of ['READY', 'BLOCKED', 'unknown']) {
      const filtered: Page = await get(`/api/v1/hosts?verdict=${verdict}&limit=500&page=1`);
      expect(filtered.status).toBe(200);
      expect(filtered.body.hosts.map((x) => x.id).sort()).toEqual([...states].filter(([, s]) => s === verdict).map(([id]) => id).sort());
      expect(filtered.body.total).toBe(filtered.body.hosts.length);
    }
    const rank = { BLOCKED: 0, unknown: 1, READY: 2 } as Record<string, number>;
    const byVerdict: Page = await get('/api/v1/hosts?sort=verdict&limit=500');
    expect(byVerdict.body.hosts[0]!.verdict.state).toBe('BLOCKED');
    const ranks = byVerdict.body.hosts.map((x) => rank[x.verdict.state]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const worstLast: Page = await get('/api/v1/hosts?sort=-verdict&limit=500');
    expect(worstLast.body.hosts.at(-1)!.verdict.state).toBe('BLOCKED');

    const names = all.body.hosts.map((x) => x.name);
    const descending: Page = await get('/api/v1/hosts?sort=-name&limit=500');
    expect(descending.body.hosts.map((x) => x.name)).toEqual([...names].reverse());
    const byCluster: Page = await get('/api/v1/hosts?sort=cluster&limit=500');
    const clusterNames = byCluster.body.hosts.map((x) => x.cluster?.name ?? '\uffff');
    expect(clusterNames).toEqual([...clusterNames].sort());

    // Numbered pages: every host once, in the same order as one long page, with the total on each.
    const pages: Row[] = [];
    for (let n = 1; n <= 3; n++) {
      const page: Page = await get(`/api/v1/hosts?sort=-name&limit=4&page=${n}`);
      expect(page.body).toMatchObject({ total: 9, page: n, nextCursor: null });
      pages.push(...page.body.hosts);
    }
    expect(pages.map((x) => x.name)).toEqual(descending.body.hosts.map((x) => x.name));
    const beyond: Page = await get('/api/v1/hosts?limit=4&page=9');
    expect(beyond.body).toMatchObject({ hosts: [], total: 9, page: 9 });

    for (const bad of ['sort=weird', 'verdict=maybe', 'page=0', 'sort=verdict&cursor=abc', 'page=2&cursor=abc']) {
      const res: { status: number; body: { error: string } } = await get(`/api/v1/hosts?${bad}`);
      expect(res.status, bad).toBe(400);
    }
    await h.fault({ type: 'host-kms-isolation', host: isolated, on: false });
    h.clock.advance(30_000);
    await h.pollAll();
    await expect.poll(async () => ((await get('/api/v1/hosts?verdict=BLOCKED&page=1')) as Page).body.total, { timeout: 10_000, interval: 50 }).toBe(0);
  });

  it('key providers: nodes, latency, versions, certificates, keys in use and per-node gaps; history series; metrics', async () => {
    const state = await h.state();
    const vmKey = state.keys.find((k) => k.providerId === 'lab-kms' && k.purpose === 'vm-kek')!;
    const node = h.lab.kms.nodes[0]!;
    await h.fault({ type: 'kms-delete-key', node: node.id, keyId: vmKey.keyId });
    for (let i = 0; i < 3; i++) {
      h.clock.advance(10_000);
      await h.pollAll();
    }

    const list: { body: { keyProviders: { id: string; target: { id: string } | null; nodes: { name: string; reachable: boolean; latencyMs: number; negotiatedVersion: string; serverCertificate: { daysLeft: number }; keysMissing: number }[]; keysInUse: number; clientCertificate: { daysLeft: number } }[] } } = await get('/api/v1/key-providers');
    const kms = list.body.keyProviders.find((p) => p.id === 'lab-kms')!;
    expect(kms.target?.id).toBe(h.kmsId);
    expect(kms.nodes.map((n) => n.name).sort()).toEqual(['kms-1', 'kms-2', 'kms-3']);
    expect(kms.nodes.every((n) => n.reachable && n.latencyMs > 0 && /^\d\.\d$/.test(n.negotiatedVersion) && n.serverCertificate.daysLeft > 30)).toBe(true);
    expect(kms.nodes.find((n) => n.name === node.id)!.keysMissing).toBe(1);
    expect(kms.keysInUse).toBe(state.keys.filter((k) => k.providerId === 'lab-kms').length);
    expect(kms.clientCertificate.daysLeft).toBeGreaterThan(30);
    expect(list.body.keyProviders.find((p) => p.id === 'lab-nkp')?.target).toBeNull();

    const detail: { body: { keys: { keyId: string; usedBy: { vmCount: number }; nodes: { status: string }[] }[]; gaps: { name: string; missing: string[] }[] } } = await get('/api/v1/key-providers/lab-kms', as.read, '/api/v1/key-providers/[id]', { id: 'lab-kms' });
    expect(detail.body.keys[0]!.keyId).toBe(vmKey.keyId);
    expect(detail.body.keys[0]!.usedBy.vmCount).toBeGreaterThan(0);
    expect(detail.body.keys[0]!.nodes.map((n) => n.status).sort()).toEqual(['active', 'active', 'not-found']);
    expect(detail.body.gaps.find((g) => g.name === node.id)!.missing).toEqual([vmKey.keyId]);
    expect((await get('/api/v1/key-providers/nope', as.read, '/api/v1/key-providers/[id]', { id: 'nope' })).status).toBe(404);

    const history: { status: number; body: { resolution: string; nodes: { name: string; points: { up: number; latencyMs: number }[] }[] } } = await get(`/api/v1/history/kms-nodes?provider=lab-kms&range=1h&until=${h.clock.now().toISOString()}`, as.read, '/api/v1/history/[series]', { series: 'kms-nodes' });
    expect(history.status).toBe(200);
    expect(history.body.resolution).toBe('raw');
    expect(history.body.nodes).toHaveLength(3);
    expect(history.body.nodes.every((n) => n.points.length >= 3 && n.points.every((p) => p.up === 1))).toBe(true);
    const day: { body: { resolution: string; nodes: { points: unknown[] }[] } } = await get(`/api/v1/history/kms-nodes?provider=lab-kms&range=24h&until=${h.clock.now().toISOString()}`, as.read, '/api/v1/history/[series]', { series: 'kms-nodes' });
    expect(day.body.resolution).toBe('5m');
    const hostKms: { body: { vcenters: { points: { ok: number; error: number }[] }[] } } = await get(`/api/v1/history/host-kms?provider=lab-kms&range=24h&until=${h.clock.now().toISOString()}`, as.read, '/api/v1/history/[series]', { series: 'host-kms' });
    // The isolated host saw lab-kms as ERROR for a while (the earlier test).
    expect(hostKms.body.vcenters[0]!.points.some((p) => p.error > 0), JSON.stringify(hostKms.body)).toBe(true);
    expect((await get('/api/v1/history/nothing?provider=lab-kms', as.read, '/api/v1/history/[series]', { series: 'nothing' })).status).toBe(404);
    expect((await get('/api/v1/history/kms-nodes', as.read, '/api/v1/history/[series]', { series: 'kms-nodes' })).status).toBe(400);

    const metrics: { status: number; body: string } = await get('/api/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(new RegExp(`keywatch_kms_node_up\\{provider="lab-kms",endpoint="${node.host}:${node.port}"\\} 1`));
    expect(metrics.body).toMatch(new RegExp(`keywatch_kms_node_keys_missing\\{provider="lab-kms",endpoint="${node.host}:${node.port}"\\} 1`));
    expect(metrics.body).toMatch(/keywatch_poll_last_success_timestamp_seconds\{kind="vcenter",target="lab-vcenter"\} \d+/);
    expect(metrics.body).toMatch(/keywatch_hosts\{vcenter="lab-vcenter",connection_state="connected",crypto_state="safe"\} \d+/);
    expect(metrics.body).toMatch(/keywatch_alerts_open\{kind="KEY_MISSING_ON_NODE",severity="warning"\} 1/);
    expect(metrics.body).toMatch(/keywatch_disk_groups_unmounted\{vcenter="lab-vcenter"\} 0/);
    expect(metrics.body).toMatch(/keywatch_kms_node_latency_seconds\{provider="lab-kms"/);
  });
});
