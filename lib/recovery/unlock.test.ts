/**
 * Issue 16's "Done when", against the lab and PostgreSQL: all KMS nodes down and a host rebooted
 * → disk groups unmounted, VMs locked; unlock while the KMS is down is refused and vCenter is not
 * asked; nodes back → the disk groups mount by themselves within the host's key retry interval
 * and DISK_GROUP_UNMOUNTED resolves; VM_LOCKED stays open until "unlock all" on the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowId } from '../observations/vcenter-rows';
import { compareWithLab } from '../poller/testing/lab-compare';
import { openAlerts, runUntil, startPollHarness, type PollHarness } from '../poller/testing/harness';
import { RecoveryError, unlockHostVms, unlockVm } from './unlock';

const KEY_RETRY_MS = 3_000;

describe('unlocking VMs after a KMS outage', () => {
  let h: PollHarness;
  let hostId: string;

  beforeAll(async () => {
    h = await startPollHarness({
      lab: {
        estate: { seed: 7, clusters: 2, hostsPerCluster: 3, vmsPerHost: 8, encryptedVmRatio: 0.8, poweredOffVmRatio: 0 },
        timings: { rebootDownMs: 150, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10, keyRetryMs: KEY_RETRY_MS },
      },
    });
    const state = await h.state();
    const cluster = state.clusters.find((c) => c.encryption === 'standard')!;
    hostId = cluster.hostIds.find((id) => state.vms!.filter((v) => v.hostId === id && v.configKey?.providerId === 'lab-kms').length >= 2)!;
    expect(hostId).toBeDefined();
    await h.pollAll();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it(
    'refuses while the keys cannot be had, sending nothing to vCenter; after the KMS is back the disk groups mount by themselves and unlock-all unlocks every VM one at a time',
    async () => {
      const deps = { prisma: h.prisma, box: h.box };
      const hostRow = rowId(h.vcenterId, hostId);
      for (const node of h.lab.kms.nodes) await h.fault({ type: 'kms-node-down', node: node.id });
      await h.fault({ type: 'host-reboot', host: hostId, wait: true });
      await runUntil(h, async () => (await openAlerts(h, 'VM_LOCKED')).length > 0 && (await openAlerts(h, 'DISK_GROUP_UNMOUNTED')).length > 0, 90);
      const down = await h.state();
      const lockedIds = down.vms!.filter((v) => v.hostId === hostId && v.cryptoState === 'locked').map((v) => v.id);
      expect(lockedIds.length).toBeGreaterThanOrEqual(2);
      expect(down.hosts.find((x) => x.id === hostId)!.diskGroupsMounted).toBe(false);

      // Unlock while the KMS is down: refused with the reason, the lab's vCenter is left as it was.
      const first = rowId(h.vcenterId, lockedIds[0]!);
      const refused = await unlockVm(deps, first).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RecoveryError);
      expect((refused as RecoveryError).status).toBe(409);
      expect((refused as RecoveryError).message).toMatch(/nothing was sent to vCenter/);
      expect((refused as RecoveryError).message).toMatch(/None of lab-kms's 3 KMS nodes answers/);
      const all = await unlockHostVms(deps, hostRow);
      expect(all.complete).toBe(false);
      expect(all.steps).toHaveLength(1);
      expect(all.steps[0]!.outcome).toBe('refused');
      expect(all.notAttempted).toHaveLength(lockedIds.length - 1);
      expect(await h.state()).toEqual(down);

      // KMS back, no remount: the host's key retry mounts the disk groups; DISK_GROUP_UNMOUNTED resolves by itself.
      const restoredAt = Date.now();
      for (const node of h.lab.kms.nodes) await h.fault({ type: 'kms-node-down', node: node.id, down: false });
      await runUntil(h, async () => (await openAlerts(h, 'DISK_GROUP_UNMOUNTED')).length === 0, 120);
      expect(Date.now() - restoredAt).toBeLessThan(KEY_RETRY_MS + 60_000);
      const mounted = await h.state();
      expect(mounted.hosts.find((x) => x.id === hostId)!.diskGroupsMounted).toBe(true);
      expect(await compareWithLab(h.prisma, h.vcenterId, mounted)).toEqual([]);
      // …but the VMs stay locked until someone unlocks them.
      expect(mounted.vms!.filter((v) => v.hostId === hostId && v.cryptoState === 'locked').map((v) => v.id)).toEqual(lockedIds);
      expect((await openAlerts(h, 'VM_LOCKED')).map((a) => a.entityId).sort()).toEqual(lockedIds.map((id) => rowId(h.vcenterId, id)).sort());

      // Unlock all: one VM at a time, each verified unlocked before the next.
      const seen: string[] = [];
      const done = await unlockHostVms(deps, hostRow, async (step) => {
        // When a step is reported its VM reads unlocked in the lab already.
        const s = await h.state();
        seen.push(`${step.vmId}:${step.outcome}:${s.vms!.find((v) => rowId(h.vcenterId, v.id) === step.vmId)!.cryptoState}`);
      });
      expect(done.complete).toBe(true);
      expect(seen.sort()).toEqual(lockedIds.map((id) => `${rowId(h.vcenterId, id)}:unlocked:unlocked`).sort());
      const after = await h.state();
      expect(after.vms!.filter((v) => v.hostId === hostId && v.cryptoState === 'locked')).toEqual([]);
      await runUntil(h, async () => (await openAlerts(h, 'VM_LOCKED')).length === 0, 60);
      expect(await compareWithLab(h.prisma, h.vcenterId, await h.state())).toEqual([]);

      // Unlocking a VM that is not locked any more sends no task.
      expect((await unlockVm(deps, first)).outcome).toBe('already-unlocked');
    },
    // A reboot, the key retry interval and some twenty poll cycles against the lab and PostgreSQL.
    180_000,
  );
});
