import { describe, expect, it } from 'vitest';
import { generateEstate } from './estate';
import { LabModel } from './host-model';
import { MemoryKeySource } from './key-sources/memory-key-source';

describe('generateEstate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateEstate({ seed: 42 });
    const b = generateEstate({ seed: 42 });
    const c = generateEstate({ seed: 43 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.vms)).not.toBe(JSON.stringify(c.vms));
  });

  it('builds the default shape: clusters, hosts with disk groups, providers, encrypted and multi-disk VMs, KMS VMs', () => {
    const estate = generateEstate({ seed: 1, clusters: 3, hostsPerCluster: 4, vmsPerHost: 8 });
    expect(estate.clusters.map((c) => c.encryption)).toEqual(['standard', 'none', 'native']);
    expect(estate.hosts).toHaveLength(12);
    expect(estate.hosts.every((h) => h.diskGroups.length === 2 && h.diskGroups[0]!.capacity.length === 2)).toBe(true);
    expect(estate.providers.map((p) => p.type)).toEqual(['standard', 'native']);
    const workload = estate.vms.filter((v) => v.kmsNodeIndex === null);
    expect(workload).toHaveLength(96);
    expect(workload.some((v) => v.keyIndex !== null)).toBe(true);
    expect(workload.some((v) => v.keyIndex === null)).toBe(true);
    expect(workload.some((v) => v.disks.length > 1)).toBe(true);
    expect(workload.some((v) => v.haVmMonitoring)).toBe(true);
    const kmsVms = estate.vms.filter((v) => v.kmsNodeIndex !== null);
    expect(kmsVms).toHaveLength(3);
    expect(kmsVms.every((v) => v.datastoreId === 'datastore-1')).toBe(true);
    const purposes = new Set(estate.keys.map((k) => k.purpose));
    expect(purposes).toEqual(new Set(['vsan-kek', 'host-key', 'vm-kek']));
  });

  it('can place a KMS appliance VM on the encrypted vSAN datastore it serves', () => {
    const estate = generateEstate({ seed: 1, kmsSelfHosted: true });
    const kms1 = estate.vms.find((v) => v.kmsNodeIndex === 0)!;
    const ds = estate.datastores.find((d) => d.id === kms1.datastoreId)!;
    expect(ds.encryptedByProviderId).toBe(estate.options.standardProviderId);
  });

  it('rejects nonsense options with a clear error', () => {
    expect(() => generateEstate({ clusters: 0 })).toThrow(/clusters/);
  });

  it('generates a 2,500-host / 40,000-VM estate (its speed is measured by bench/vsphere-read)', () => {
    const estate = generateEstate({ seed: 9, clusters: 157, hostsPerCluster: 16, vmsPerHost: 16 });
    const model = new LabModel(estate, new MemoryKeySource());
    model.stop();
    expect(estate.hosts.length).toBeGreaterThanOrEqual(2500);
    expect(estate.vms.length).toBeGreaterThanOrEqual(40_000);
  });
});
