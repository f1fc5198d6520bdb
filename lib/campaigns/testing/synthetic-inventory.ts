/**
 * A deterministic inventory snapshot of any size, for unit tests and the campaign benchmark:
 * clusters of hosts, encrypted VMs (1–3 disks) on the source provider, some HA-monitored, some
 * powered off. `moveToTarget` rewrites a share of it the way a poll after rekeys would read it.
 */
import { createRandom } from '@/lab/vcenter/estate';
import type { InventorySnapshot, InventoryVm, KeyRef } from '../inventory';

export interface SyntheticOptions {
  vcenterId?: string;
  clusters?: number;
  hostsPerCluster?: number;
  vmsPerHost?: number;
  source?: string;
  target?: string;
  /** Share of VMs (0–1) not encrypted at all. */
  clearRatio?: number;
  seed?: number;
}

export function syntheticSnapshot(options: SyntheticOptions = {}): InventorySnapshot {
  const o = { vcenterId: 'vc-1', clusters: 2, hostsPerCluster: 2, vmsPerHost: 3, source: 'nkp', target: 'kms', clearRatio: 0, seed: 1, ...options };
  const rnd = createRandom(o.seed);
  const snapshot: InventorySnapshot = {
    vcenterId: o.vcenterId,
    readAt: new Date('2026-12-01T10:00:00.000Z'),
    providers: [
      { id: o.source, kind: 'native', health: 'OK', probe: null },
      { id: o.target, kind: 'standard', health: 'OK', probe: 'ok' },
    ],
    clusters: [],
    hosts: [],
    vms: [],
  };
  let vmNumber = 0;
  for (let c = 1; c <= o.clusters; c++) {
    const clusterMoid = `domain-c${c}`;
    const hostMoids: string[] = [];
    for (let h = 1; h <= o.hostsPerCluster; h++) {
      const hostMoid = `host-${(c - 1) * o.hostsPerCluster + h}`;
      hostMoids.push(hostMoid);
      snapshot.hosts.push({
        moid: hostMoid,
        name: `esx-${c}-${h}`,
        clusterMoid,
        connectionState: 'connected',
        hostKey: { keyId: `hostkey-${hostMoid}`, providerId: o.source },
        providers: [
          { providerId: o.source, health: 'OK', details: [] },
          { providerId: o.target, health: 'OK', details: [] },
        ],
      });
      for (let v = 0; v < o.vmsPerHost; v++) {
        vmNumber++;
        const encrypted = rnd() >= o.clearRatio;
        const key: KeyRef | null = encrypted ? { keyId: `kek-vm-${vmNumber}`, providerId: o.source } : null;
        const roll = rnd();
        const diskCount = roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
        snapshot.vms.push({
          moid: `vm-${vmNumber}`,
          name: `vm-${String(vmNumber).padStart(5, '0')}`,
          hostMoid,
          clusterMoid,
          powerState: rnd() < 0.9 ? 'poweredOn' : 'poweredOff',
          cryptoState: encrypted ? 'unlocked' : null,
          connectionState: 'connected',
          configKey: key,
          disks: Array.from({ length: diskCount }, (_, d) => ({ key: 2000 + d, label: `Hard disk ${d + 1}`, keyId: key })),
          haVmMonitoring: rnd() < 0.25,
          snapshotCount: rnd() < 0.05 ? 1 : 0,
          hasVtpm: rnd() < 0.05,
          kekCachedOnHost: true,
        });
      }
    }
    snapshot.clusters.push({ moid: clusterMoid, name: `cluster-${c}`, hostMoids, vsanKek: { keyId: `vsan-${clusterMoid}`, providerId: o.source } });
  }
  return snapshot;
}

/** A copy in which the first `count` encrypted VMs (in list order) are on `target`, config and every disk. */
export function moveToTarget(snapshot: InventorySnapshot, count: number, target: string, at = new Date()): InventorySnapshot {
  let moved = 0;
  const vms: InventoryVm[] = snapshot.vms.map((vm) => {
    if (!vm.configKey || moved >= count) return vm;
    moved++;
    const key = { keyId: `new-${vm.moid}`, providerId: target };
    return { ...vm, configKey: key, disks: vm.disks.map((d) => ({ ...d, keyId: d.keyId ? key : null })) };
  });
  return { ...snapshot, readAt: at, vms };
}
