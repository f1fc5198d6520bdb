import { describe, expect, it } from 'vitest';
import { indexInventory, type InventorySnapshot } from './inventory';
import { itemRisks, summarizeRisks } from './preflight';
import { syntheticSnapshot } from './testing/synthetic-inventory';

const providers = { sourceProviderId: 'nkp', targetProviderId: 'kms' };

function withVm(patch: Partial<InventorySnapshot['vms'][number]>): InventorySnapshot {
  const snap = syntheticSnapshot({ clusters: 1, hostsPerCluster: 2, vmsPerHost: 1 });
  snap.vms[0] = {
    ...snap.vms[0]!,
    powerState: 'poweredOff',
    haVmMonitoring: false,
    snapshotCount: 0,
    hasVtpm: false,
    kekCachedOnHost: true,
    disks: [snap.vms[0]!.disks[0]!],
    ...patch,
  };
  return snap;
}

const vmItem = (snap: InventorySnapshot) => ({ kind: 'vm-config', entityMoid: snap.vms[0]!.moid, hostMoid: snap.vms[0]!.hostMoid, clusterMoid: 'domain-c1' });
const codes = (snap: InventorySnapshot, item = vmItem(snap)) => itemRisks(indexInventory(snap), item, providers).map((r) => r.code);

describe('pre-flight risks', () => {
  it('a quiet VM with healthy providers has none', () => {
    expect(codes(withVm({}))).toEqual([]);
  });

  it('flags HA VM monitoring, several disks, powered on, snapshots, vTPM, an uncached KEK and a locked VM', () => {
    const base = withVm({});
    const key = base.vms[0]!.configKey;
    const snap = withVm({
      haVmMonitoring: true,
      powerState: 'poweredOn',
      snapshotCount: 2,
      hasVtpm: true,
      kekCachedOnHost: false,
      cryptoState: 'locked',
      disks: [
        { key: 2000, label: 'Hard disk 1', keyId: key },
        { key: 2001, label: 'Hard disk 2', keyId: key },
        { key: 2002, label: 'Hard disk 3', keyId: null },
      ],
    });
    const risks = itemRisks(indexInventory(snap), vmItem(snap), providers);
    expect(risks.map((r) => r.code).sort()).toEqual(['HA_VM_MONITORING', 'KEK_NOT_CACHED', 'MULTIPLE_DISKS', 'POWERED_ON', 'SNAPSHOTS', 'VM_LOCKED', 'VTPM']);
    expect(risks.find((r) => r.code === 'MULTIPLE_DISKS')!.message).toContain('2 encrypted disks');
    expect(risks.find((r) => r.code === 'HA_VM_MONITORING')!.severity).toBe('high');
  });

  it('unknown facts (null) are not reported as risks, but a VM missing from the inventory is', () => {
    expect(codes(withVm({ haVmMonitoring: null, snapshotCount: null, hasVtpm: null, kekCachedOnHost: null }))).toEqual([]);
    const snap = withVm({});
    expect(codes(snap, { ...vmItem(snap), entityMoid: 'vm-gone' })).toEqual(['NOT_IN_INVENTORY']);
  });

  it('a provider not healthy from the VM’s host, vCenter-wide, or to Keywatch’s probe', () => {
    const snap = withVm({});
    const host = snap.hosts.find((h) => h.moid === snap.vms[0]!.hostMoid)!;
    host.providers = [{ providerId: 'nkp', health: 'OK', details: [] }, { providerId: 'kms', health: 'ERROR', details: ['KMS server kms-1 unreachable'] }];
    let risks = itemRisks(indexInventory(snap), vmItem(snap), providers);
    expect(risks).toEqual([
      { code: 'TARGET_PROVIDER_UNHEALTHY', severity: 'high', hostMoid: host.moid, message: `Host ${host.name} sees the target provider kms as ERROR: KMS server kms-1 unreachable.` },
    ]);
    host.providers = [{ providerId: 'kms', health: 'OK', details: [] }];
    risks = itemRisks(indexInventory(snap), vmItem(snap), providers);
    expect(risks.map((r) => [r.code, r.message])).toEqual([['SOURCE_PROVIDER_UNHEALTHY', expect.stringContaining('does not know the source provider nkp')]]);
    host.providers = null;
    expect(codes(snap)).toEqual(['SOURCE_PROVIDER_UNHEALTHY', 'TARGET_PROVIDER_UNHEALTHY']);

    const probed = withVm({});
    probed.providers[1] = { ...probed.providers[1]!, probe: 'down', health: 'WARNING' };
    const probeRisks = itemRisks(indexInventory(probed), vmItem(probed), providers);
    expect(probeRisks.map((r) => [r.code, r.severity])).toEqual([
      ['TARGET_PROVIDER_UNHEALTHY', 'medium'],
      ['TARGET_PROVIDER_UNHEALTHY', 'high'],
    ]);
    expect(probeRisks[1]!.message).toMatch(/KMIP probe/);
    // The NKP has no KMIP endpoint: no probe risk for it.
    expect(probeRisks.some((r) => r.code === 'SOURCE_PROVIDER_UNHEALTHY')).toBe(false);
  });

  it('a vSAN KEK involves every host of its cluster', () => {
    const snap = withVm({});
    snap.hosts[1]!.providers = [{ providerId: 'nkp', health: 'OK', details: [] }, { providerId: 'kms', health: 'WARNING', details: [] }];
    const risks = itemRisks(indexInventory(snap), { kind: 'vsan-kek', entityMoid: 'domain-c1', hostMoid: null, clusterMoid: 'domain-c1' }, providers);
    expect(risks.map((r) => r.hostMoid)).toEqual([snap.hosts[1]!.moid]);
    // The same host from a VM on the other host does not show.
    expect(codes(snap)).toEqual(snap.vms[0]!.hostMoid === snap.hosts[1]!.moid ? ['TARGET_PROVIDER_UNHEALTHY'] : []);
  });

  it('summarizes items per code and those with a high risk', () => {
    const summary = summarizeRisks([
      [{ code: 'POWERED_ON', severity: 'medium', message: '' }],
      [
        { code: 'HA_VM_MONITORING', severity: 'high', message: '' },
        { code: 'TARGET_PROVIDER_UNHEALTHY', severity: 'high', message: '' },
        { code: 'TARGET_PROVIDER_UNHEALTHY', severity: 'high', message: '' },
      ],
      [],
    ]);
    expect(summary).toEqual({ byCode: { POWERED_ON: 1, HA_VM_MONITORING: 1, TARGET_PROVIDER_UNHEALTHY: 1 }, itemsWithHighRisk: 1 });
  });
});
