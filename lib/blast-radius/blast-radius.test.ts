/**
 * The blast radius over what the poller stored from the real lab, through the real route handler:
 * dependents per provider and node, "what if" for nodes, a provider and a host reboot, and bad input.
 * The scenarios change nothing: the lab's hosts are as they were afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../auth/api-tokens';
import { skipLazyBootstrapForTests } from '../auth/bootstrap-once';
import { call, type Caller } from '../auth/testing/harness';
import { setPrismaFactoryForTests } from '../auth/with-policy';
import { runUntil, startPollHarness, type LabState, type PollHarness } from '../poller/testing/harness';
import { readOverview } from '../overview/overview';
import type { BlastRadiusView } from './blast-radius';

describe('blast radius', () => {
  let h: PollHarness;
  let reader: Caller;
  let state: LabState;
  let endpoints: string[];

  const get = async (query: string) => {
    const path = `/api/v1/blast-radius${query}`;
    const res = await call({ pattern: '/api/v1/blast-radius', method: 'GET', path, as: reader });
    return { status: res.status, body: (await res.json()) as BlastRadiusView & { fieldErrors?: Record<string, string[]>; error?: string } };
  };
  const hostName = (id: string) => state.hosts.find((x) => x.id === id)!.name;

  beforeAll(async () => {
    h = await startPollHarness();
    process.env.KEYWATCH_MASTER_KEY = h.box.masterKey;
    setPrismaFactoryForTests(() => h.prisma);
    skipLazyBootstrapForTests();
    const creator = await h.prisma.user.create({ data: { username: 'token-maker', role: 'admin', passwordHash: null } });
    reader = { kind: 'token', token: (await createApiToken(h.prisma, { name: 't-read', scopes: ['read'], expiresAt: null, createdById: creator.id })).value };
    state = await h.state();
    // Every host READY first: the KMS side has probed every key vCenter says is in use.
    const read = () => readOverview({ prisma: h.prisma, staleAfterMs: () => 3600_000, workerStaleMs: 30_000, now: h.clock.now() });
    await runUntil(h, async () => (await read()).hosts.counts.READY === state.hosts.length, 60);
    endpoints = (await h.prisma.kmsNode.findMany({ orderBy: { position: 'asc' } })).map((n) => `${n.host}:${n.port}`);
  }, 300_000);
  afterAll(() => h?.close());

  it('names the clusters, hosts, disk groups and VMs each provider serves, and no node as a sole holder', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    expect(body.scenario).toBeNull();
    const kms = body.providers.find((p) => p.id === 'lab-kms')!;
    const standard = state.clusters.find((c) => c.encryption === 'standard')!;
    expect(kms.clusters.map((c) => c.name)).toEqual([standard.name]);
    expect(kms.hosts).toBeGreaterThanOrEqual(standard.hostIds.length);
    expect(kms.diskGroups).toBeGreaterThan(0);
    const kmsVms = state.vms!.filter((v) => v.cryptoState !== null && v.configKey?.providerId === 'lab-kms');
    expect(kms.vms).toBe(kmsVms.length);
    expect(kms.nodes.map((n) => n.endpoint).sort()).toEqual([...endpoints].sort());
    expect(kms.nodes.every((n) => n.reachable && n.soleHolderOf === 0)).toBe(true);
    const nkp = body.providers.find((p) => p.id === 'lab-nkp')!;
    expect(nkp.kind).toBe('native');
    expect(nkp.clusters.map((c) => c.name)).toEqual([state.clusters.find((c) => c.encryption === 'native')!.name]);
  }, 30_000);

  it('one node down changes no verdict and loses nothing: the other nodes serve every key', async () => {
    const { status, body } = await get(`?nodes=${endpoints[0]}`);
    expect(status).toBe(200);
    expect(body.scenario!.turnsBlockedTotal).toBe(0);
    expect(body.scenario!.wouldNotComeBack).toEqual([]);
  });

  it('every node down: the standard cluster and every host with a lab-kms VM turn BLOCKED and would not bring those back', async () => {
    const { body } = await get(`?nodes=${endpoints.join(',')}`);
    const s = body.scenario!;
    const standard = state.clusters.find((c) => c.encryption === 'standard')!;
    const blocked = new Set(s.turnsBlocked.map((v) => v.name));
    for (const id of standard.hostIds) expect(blocked.has(hostName(id))).toBe(true);
    const lost = new Map(s.wouldNotComeBack.map((l) => [l.hostName, l]));
    for (const id of standard.hostIds) {
      const l = lost.get(hostName(id))!;
      expect(l.diskGroups.length).toBeGreaterThan(0);
      expect(l.keys.some((k) => /cannot reach lab-kms|no node of lab-kms answers/.test(k.why))).toBe(true);
    }
    for (const vm of state.vms!.filter((v) => v.cryptoState !== null && v.configKey?.providerId === 'lab-kms')) {
      expect(lost.get(hostName(vm.hostId))!.vms.map((v) => v.name)).toContain(vm.name);
    }
    // The unencrypted cluster's hosts without lab-kms VMs are not in the radius.
    const plain = state.clusters.find((c) => c.encryption === 'none')!;
    for (const id of plain.hostIds.filter((hid) => !state.vms!.some((v) => v.hostId === hid && v.cryptoState !== null))) expect(lost.has(hostName(id))).toBe(false);
    // The same as the provider as a whole.
    const provider = (await get('?provider=lab-kms')).body.scenario!;
    expect(provider.wouldNotComeBack.map((l) => l.hostName).sort()).toEqual([...lost.keys()].sort());
  });

  it('a host reboot blocks its vSAN peers, and the host itself loses nothing while the KMS answers', async () => {
    const standard = state.clusters.find((c) => c.encryption === 'standard')!;
    const victim = standard.hostIds[0]!;
    const { body } = await get(`?host=${encodeURIComponent(hostName(victim))}`);
    const s = body.scenario!;
    expect(s.host!.name).toBe(hostName(victim));
    const blocked = s.turnsBlocked.map((v) => v.name).sort();
    expect(blocked).toEqual(standard.hostIds.map(hostName).sort());
    expect(s.turnsBlocked.find((v) => v.name !== hostName(victim))!.blocking).toContain('CLUSTER_REDUNDANCY');
    expect(s.wouldNotComeBack).toEqual([]);
    // With no node answering, that reboot would leave its disk groups unmounted.
    const dark = (await get(`?host=${encodeURIComponent(hostName(victim))}&nodes=${endpoints.join(',')}`)).body.scenario!;
    expect(dark.wouldNotComeBack.map((l) => l.hostName)).toEqual([hostName(victim)]);
    expect(dark.wouldNotComeBack[0]!.diskGroups.length).toBeGreaterThan(0);
    // Nothing was touched.
    const after = await h.state();
    expect(after.hosts.map((x) => [x.id, x.phase, x.diskGroupsMounted])).toEqual(state.hosts.map((x) => [x.id, x.phase, x.diskGroupsMounted]));
  });

  it('refuses what it does not know with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['?nodes=not-an-endpoint', 'nodes'],
      ['?nodes=10.9.9.9:5696', 'nodes'],
      ['?provider=no-such-provider', 'provider'],
      ['?host=no-such-host', 'host'],
      [`?host=${'x'.repeat(400)}`, 'host'],
    ] as const) {
      const { status, body } = await get(query);
      expect(status, query).toBe(400);
      expect(JSON.stringify(body), query).toContain(field);
    }
  });
});
