/**
 * The worker's campaign job against the real lab and PostgreSQL, through the poller's stored
 * inventory: campaigns are created against what the poller stored, a rekey done outside Keywatch
 * shows as verified only after the next poll, and an enabled executor runs from the tick.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollHarness, type PollHarness } from '../poller/testing/harness';
import { VsphereClient } from '../vsphere/client';
import { snapshotFromEstate } from './inventory';
import { openLiveVcenter } from './live-vcenter';
import { createCampaign, getCampaignDetail, listItems, startCampaign } from './store';
import { storedInventory } from './stored-inventory';
import { refusal } from './testing/refusal';
import { VsphereCampaignVcenter } from './vcenter';
import { runCampaignsTick, type CampaignsTickState } from './worker-tick';

const SOURCE = 'lab-nkp';
const TARGET = 'lab-kms';
const admin = { type: 'user' as const, id: 'admin-1', name: 'admin' };

describe('campaign worker tick over the stored inventory', () => {
  let h: PollHarness;
  let client: VsphereClient;
  let nkpVms: string[];
  const tickCtx = () => ({ prisma: h.prisma, logger: h.deps().logger, box: h.box, workerId: 'worker-a', settings: { vcenterTimeoutMs: 30_000 } });
  const newState = (): CampaignsTickState => ({ running: new Map(), dryRuns: new Map(), abort: new AbortController() });
  const tickToEnd = async (state: CampaignsTickState) => {
    await runCampaignsTick(tickCtx(), state);
    await Promise.all(state.running.values());
  };
  const pollAgain = async () => {
    h.clock.advance(31_000);
    await h.pollAll();
  };

  beforeAll(async () => {
    h = await startPollHarness({ lab: { estate: { seed: 11, clusters: 2, hostsPerCluster: 2, vmsPerHost: 4, encryptedVmRatio: 1, multiDiskVmRatio: 0.5, poweredOffVmRatio: 0, haMonitoredVmRatio: 0 } } });
    await h.pollAll();
    client = new VsphereClient({ baseUrl: h.lab.vcenter.url, username: h.lab.vcenter.username, password: h.lab.vcenter.password, caPem: h.lab.vcenter.caPem, timeoutMs: 15_000 });
    const estate = await client.readEstate();
    nkpVms = estate.vms.filter((v) => v.keyId?.providerId === SOURCE && v.powerState === 'poweredOn').map((v) => v.id);
    expect(nkpVms.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  it('the stored snapshot carries the same keys, disks and providers as a live read', async () => {
    const stored = (await storedInventory(h.prisma).snapshot(h.vcenterId))!;
    const live = snapshotFromEstate(h.vcenterId, await client.readEstate());
    const keysOf = (s: typeof stored) =>
      s.vms.map((v) => ({ moid: v.moid, host: v.hostMoid, cluster: v.clusterMoid, crypto: v.cryptoState, config: v.configKey, disks: v.disks.map((d) => [d.key, d.keyId]) })).sort((a, b) => a.moid.localeCompare(b.moid));
    expect(keysOf(stored)).toEqual(keysOf(live));
    expect(stored.providers.map((p) => p.id).sort()).toEqual(live.providers.map((p) => p.id).sort());
    expect(stored.providers.find((p) => p.id === TARGET)?.probe).toBe('ok');
    expect(await storedInventory(h.prisma).snapshot('no-such-vcenter')).toBeNull();
    // Scoped to VMs: those VMs, nothing missing.
    const scoped = (await storedInventory(h.prisma).snapshot(h.vcenterId, { vmMoids: nkpVms.slice(0, 2) }))!;
    expect(scoped.vms.map((v) => v.moid).sort()).toEqual(nkpVms.slice(0, 2).sort());
  }, 60_000);

  it('refuses bad input against the stored inventory', async () => {
    const inventory = storedInventory(h.prisma);
    const base = { name: 'bad', vcenterId: h.vcenterId, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: [nkpVms[0]!] } };
    expect(await refusal(createCampaign(h.prisma, { ...base, targetProviderId: SOURCE }, { actor: admin, inventory }))).toMatchObject({ code: 'same-provider', status: 400 });
    expect(await refusal(createCampaign(h.prisma, { ...base, targetProviderId: 'nope' }, { actor: admin, inventory }))).toMatchObject({ code: 'unknown-provider', status: 400 });
    expect(await h.prisma.campaign.count()).toBe(0);
  });

  it('tracking only: a rekey done outside Keywatch is verified after the next poll, not before', async () => {
    const vm = nkpVms[0]!;
    const { id } = await createCampaign(
      h.prisma,
      { name: 'tracking', vcenterId: h.vcenterId, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: [vm] } },
      { actor: admin, inventory: storedInventory(h.prisma) },
    );
    const live = await openLiveVcenter(h.prisma, h.box, h.vcenterId);
    try {
      await startCampaign(h.prisma, id, { actor: admin, healthCheck: live.healthCheck });
    } finally {
      await live.close();
    }
    const state = newState();
    await tickToEnd(state);
    expect(state.running.size).toBe(0);
    const rekeyer = new VsphereCampaignVcenter(client, { taskPollIntervalMs: 25 });
    await rekeyer.waitForTask(await rekeyer.startShallowRekey(vm, await rekeyer.generateKey(TARGET)), { timeoutMs: 30_000, pollIntervalMs: 25 });

    await tickToEnd(state);
    expect((await getCampaignDetail(h.prisma, id)).progress.byState.verified ?? 0).toBe(0);
    await pollAgain();
    await tickToEnd(state);
    const detail = await getCampaignDetail(h.prisma, id);
    expect(detail.status).toBe('finished');
    expect((await listItems(h.prisma, id)).items.every((i) => i.state === 'verified' && i.currentProviderId === TARGET)).toBe(true);
  }, 90_000);

  it('an enabled executor runs from the tick and its VMs end on the target, unlocked', async () => {
    const vms = nkpVms.slice(1, 4);
    const { id } = await createCampaign(
      h.prisma,
      { name: 'executor', vcenterId: h.vcenterId, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: vms }, executor: { enabled: true } },
      { actor: admin, inventory: storedInventory(h.prisma) },
    );
    const live = await openLiveVcenter(h.prisma, h.box, h.vcenterId);
    try {
      await startCampaign(h.prisma, id, { actor: admin, healthCheck: live.healthCheck });
    } finally {
      await live.close();
    }
    await tickToEnd(newState());
    const detail = await getCampaignDetail(h.prisma, id);
    expect(detail).toMatchObject({ status: 'finished', progress: { percentVerified: 100 } });
    const truth = await h.state();
    for (const vm of vms) {
      const t = truth.vms!.find((v) => v.id === vm)!;
      expect(t.cryptoState).toBe('unlocked');
      expect(t.configKey?.providerId).toBe(TARGET);
    }
    // The next poll agrees: recompute keeps every item verified.
    await pollAgain();
    await tickToEnd(newState());
    expect((await getCampaignDetail(h.prisma, id)).progress.byState.verified).toBe(detail.progress.total);
  }, 120_000);
});
