/**
 * The "Done when", against the real lab and a real PostgreSQL: cycles are driven by
 * calling the poll job's function with a clock the test moves (default intervals: vCenter 30 s,
 * KMS 10 s), and after every step what Keywatch stored is compared with GET /lab/state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeStateId } from '../observations/kms-store';
import { rowId } from '../observations/vcenter-rows';
import { compareWithLab } from './testing/lab-compare';
import { openAlerts, runUntil, startPollHarness, type PollHarness } from './testing/harness';
import { VsphereClient } from '../vsphere/client';
import { waitForTask } from '../vsphere/tasks';

/** The lab hosts' key retry: short, so that the test waits for it in real time. */
const KEY_RETRY_MS = 3_000;

describe('poller, observations and alerts against the lab', () => {
  let h: PollHarness;
  let standardHost: string;

  beforeAll(async () => {
    h = await startPollHarness({ lab: { timings: { rebootDownMs: 150, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10, keyRetryMs: KEY_RETRY_MS } } });
    const state = await h.state();
    const cluster = state.clusters.find((c) => c.encryption === 'standard')!;
    // A host of the KMS-encrypted vSAN cluster with VMs encrypted by the lab KMS.
    standardHost = cluster.hostIds.find((id) => state.vms!.some((v) => v.hostId === id && v.configKey?.providerId === 'lab-kms'))!;
    expect(standardHost).toBeDefined();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('stores the estate as the lab has it, and a cycle with no change writes almost nothing', async () => {
    const first = await h.pollAll();
    expect(first.map((r) => `${r.kind}:${r.outcome}`).sort()).toEqual(['kms:success', 'vcenter:success']);
    expect(await compareWithLab(h.prisma, h.vcenterId, await h.state())).toEqual([]);
    // The second KMS probe checks every key the stored estate uses, on every node.
    h.clock.advance(10_000);
    await h.pollAll();
    const state = await h.state();
    const kmsKeys = state.keys.filter((k) => k.providerId === 'lab-kms').map((k) => k.keyId);
    const stored = await h.prisma.kmsNodeKey.findMany({ where: { kmsProviderId: h.kmsId } });
    expect(new Set(stored.map((k) => k.keyId))).toEqual(new Set(kmsKeys));
    expect(stored).toHaveLength(kmsKeys.length * 3);
    expect(stored.every((k) => k.status === 'active')).toBe(true);

    const changesBefore = await h.prisma.observationChange.count();
    h.clock.advance(30_000);
    const quiet = await h.pollAll();
    const vc = quiet.find((r) => r.kind === 'vcenter')!;
    const kms = quiet.find((r) => r.kind === 'kms')!;
    // Poll state and run record, plus samples: host ↔ KMS health (3 per provider: 2 providers),
    // KMS node up and latency (2 per node: 3 nodes). No inventory row, no change log.
    expect(vc.rowsWritten).toBe(2 + 6);
    expect(kms.rowsWritten).toBe(2 + 6);
    expect(await h.prisma.observationChange.count()).toBe(changesBefore);
    expect(await openAlerts(h)).toEqual([]);
    // Three full cycles with first writes: ~15 s on an idle machine, over 30 s when the two cores are shared.
  }, 90_000);

  it('KMS node down → KMS_NODE_DOWN within 30 s at default intervals (after two failed probes), resolved when it is back', async () => {
    const node = h.lab.kms.nodes[1]!;
    await h.fault({ type: 'kms-node-down', node: node.id });
    const seconds = await runUntil(h, async () => (await openAlerts(h, 'KMS_NODE_DOWN')).length > 0, 60);
    expect(seconds).toBeLessThanOrEqual(30);
    const [alert] = await openAlerts(h, 'KMS_NODE_DOWN');
    expect(alert!.entityId).toBe(nodeStateId(h.kmsId, `${node.host}:${node.port}`));
    expect(alert!.entityName).toContain(node.id);
    expect(alert!.cause).toMatch(/refused|did not answer|not answer/i);
    const degraded = await openAlerts(h, 'KMS_CLUSTER_DEGRADED');
    expect(degraded.map((a) => a.severity)).toEqual(['warning']);

    await h.fault({ type: 'kms-node-down', node: node.id, down: false });
    await runUntil(h, async () => (await openAlerts(h)).length === 0, 30);
    const resolved = await h.prisma.alert.findFirstOrThrow({ where: { id: alert!.id } });
    expect(resolved.state).toBe('resolved');
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    expect(resolved.openKey).toBeNull();
  });

  it('a key deleted on one node → KEY_MISSING_ON_NODE naming the node and the key', async () => {
    const state = await h.state();
    const kek = state.keys.find((k) => k.providerId === 'lab-kms' && k.purpose === 'vsan-kek')!;
    const node = h.lab.kms.nodes[2]!;
    await h.fault({ type: 'kms-delete-key', node: node.id, keyId: kek.keyId });
    h.clock.advance(10_000);
    await h.pollAll();
    const missing = await openAlerts(h, 'KEY_MISSING_ON_NODE');
    expect(missing).toHaveLength(1);
    expect(missing[0]!.severity).toBe('warning');
    expect(missing[0]!.title).toContain(kek.keyId);
    expect(missing[0]!.title).toContain(node.id);
    expect(missing[0]!.entityName).toBe(`key ${kek.keyId} on ${node.id} (${node.host}:${node.port})`);
    expect(missing[0]!.cause).toMatch(/replication gap/);
    expect(missing[0]!.cause).toMatch(/vSAN KEK of cluster/);
    const row = await h.prisma.kmsNodeKey.findFirstOrThrow({ where: { kmsProviderId: h.kmsId, keyId: kek.keyId, endpoint: `${node.host}:${node.port}` } });
    expect(row.status).toBe('not-found');
  });

  it(
    'all KMS nodes unreachable + host reboot → disk groups unmounted / keys not loaded and VMs locked, with cause and runbook; KMS restored → disk groups remount by themselves within the retry interval, VMs stay locked until unlocked',
    async () => {
      for (const node of h.lab.kms.nodes) await h.fault({ type: 'kms-node-down', node: node.id });
      await h.fault({ type: 'host-reboot', host: standardHost, wait: true });
      const hostRow = rowId(h.vcenterId, standardHost);
      // The vCenter cycle after Keywatch's own probes failed names both sides of the outage.
      await runUntil(
        h,
        async () =>
          (await openAlerts(h, 'DISK_GROUP_UNMOUNTED')).some((a) => a.cause.includes('Keywatch cannot reach')) &&
          (await openAlerts(h, 'KMS_CLUSTER_DEGRADED')).some((a) => a.severity === 'critical'),
        90,
      );
      const state = await h.state();
      expect(state.hosts.find((x) => x.id === standardHost)!.diskGroupsMounted).toBe(false);
      expect(await compareWithLab(h.prisma, h.vcenterId, state)).toEqual([]);

      const unmounted = await openAlerts(h, 'DISK_GROUP_UNMOUNTED');
      const groups = await h.prisma.vcDiskGroup.findMany({ where: { hostId: hostRow } });
      expect(unmounted.map((a) => a.entityId).sort()).toEqual(groups.map((g) => g.id).sort());
      for (const a of unmounted) {
        expect(a.severity).toBe('critical');
        expect(a.cause).toMatch(/not mounted/);
        expect(a.cause).toMatch(/after a reboot/);
        expect(a.cause).toMatch(/cannot reach any of lab-kms's 3 KMS nodes/);
        expect(a.runbook).toMatch(/Restore KMS connectivity from host/);
        expect(a.runbook).toMatch(/retries fetching the KEK by itself/);
        expect(a.runbook).toMatch(/still open after that.*investigate/);
        expect(a.runbook).toMatch(/Never move a KMS VM onto the encrypted datastore it unlocks/);
      }
      const keysNotLoaded = await openAlerts(h, 'DISK_GROUP_KEYS_NOT_LOADED');
      expect(keysNotLoaded.map((a) => a.entityId).sort()).toEqual(groups.map((g) => g.id).sort());
      const lockedInLab = state.vms!.filter((v) => v.hostId === standardHost && v.cryptoState === 'locked').map((v) => v.id);
      expect(lockedInLab.length).toBeGreaterThan(0);
      const locked = await openAlerts(h, 'VM_LOCKED');
      expect(locked.map((a) => a.entityId).sort()).toEqual(lockedInLab.map((id) => rowId(h.vcenterId, id)).sort());
      for (const a of locked) {
        expect(a.cause).toContain(`does not hold its key`);
        expect(a.runbook).toMatch(/does not unlock by itself/);
        expect(a.runbook).toMatch(/Unlock all locked VMs on/);
        expect(a.runbook).toMatch(/vim-cmd vmsvc\/reload/);
      }
      expect((await openAlerts(h, 'HOST_CRYPTO_NOT_SAFE')).map((a) => a.entityId)).toEqual([hostRow]);
      expect((await openAlerts(h, 'KMS_NODE_DOWN')).length).toBe(3);

      // Restore the KMS, no remount: the host's own key retry mounts the disk groups.
      const restoredAt = Date.now();
      for (const node of h.lab.kms.nodes) await h.fault({ type: 'kms-node-down', node: node.id, down: false });
      await runUntil(h, async () => (await openAlerts(h, 'DISK_GROUP_UNMOUNTED')).length === 0 && (await openAlerts(h, 'DISK_GROUP_KEYS_NOT_LOADED')).length === 0, 120);
      // Mounted by the host's retry: within one retry interval of the restore, plus one vCenter poll to see it.
      const mountedState = await h.state();
      expect(mountedState.hosts.find((x) => x.id === standardHost)!.diskGroupsMounted).toBe(true);
      expect(Date.now() - restoredAt).toBeLessThan(KEY_RETRY_MS + 60_000);
      expect(await compareWithLab(h.prisma, h.vcenterId, mountedState)).toEqual([]);
      const dgAfter = await h.prisma.alert.findMany({ where: { id: { in: [...unmounted, ...keysNotLoaded].map((a) => a.id) } } });
      expect(dgAfter.every((a) => a.state === 'resolved' && a.resolvedAt !== null)).toBe(true);

      // The VMs do not unlock by themselves: a few more cycles later VM_LOCKED is still open, as the lab says.
      h.clock.advance(30_000);
      await h.pollAll();
      expect(mountedState.vms!.filter((v) => v.hostId === standardHost && v.cryptoState === 'locked').map((v) => v.id).sort()).toEqual([...lockedInLab].sort());
      expect((await openAlerts(h, 'VM_LOCKED')).map((a) => a.id).sort()).toEqual(locked.map((a) => a.id).sort());

      // CryptoUnlock_Task on each → VM_LOCKED resolves.
      const client = new VsphereClient({ baseUrl: h.lab.vcenter.url, username: h.lab.vcenter.username, password: h.lab.vcenter.password, caPem: h.lab.vcenter.caPem });
      try {
        for (const vmId of lockedInLab) await waitForTask(client.vim, await client.cryptoUnlockVm(vmId), { timeoutMs: 20_000 });
      } finally {
        await client.close();
      }
      await runUntil(h, async () => (await openAlerts(h)).filter((a) => a.kind !== 'KEY_MISSING_ON_NODE').length === 0, 90);
      expect(await compareWithLab(h.prisma, h.vcenterId, await h.state())).toEqual([]);
      const after = await h.prisma.alert.findMany({ where: { id: { in: locked.map((a) => a.id) } } });
      expect(after.every((a) => a.state === 'resolved' && a.resolvedAt !== null)).toBe(true);
      // The change log tells the story of the disk groups.
      const log = await h.prisma.observationChange.findMany({ where: { entityId: groups[0]!.id, field: 'mounted' }, orderBy: { id: 'asc' } });
      expect(log.map((c) => `${c.oldValue}→${c.newValue}`)).toEqual(['true→false', 'false→true']);
    },
    // A reboot, the retry interval and some thirty full poll cycles against the lab and PostgreSQL.
    180_000,
  );
});
