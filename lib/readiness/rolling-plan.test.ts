import { describe, expect, it } from 'vitest';
import { rollingPlan, type RollingPlan } from './rolling-plan';
import { clusterReports, type ClusterHostSpec } from './testing/healthy-input';

const plan = (specs: ClusterHostSpec[]): RollingPlan => rollingPlan({ clusterId: 'vc-1:domain-c1', clusterName: 'vsan-a', checkedAt: new Date('2026-11-30T12:00:00Z'), hosts: clusterReports(specs) });
const row = (p: RollingPlan, name: string) => p.hosts.find((h) => h.hostName === name)!;
const inMaintenance: ClusterHostSpec['facts'] = (h) => (h.inMaintenanceMode = true);
const nodesDown: ClusterHostSpec['input'] = (i) => {
  for (const n of i.providers[0]!.nodes) n.reachable = false;
};

describe('rollingPlan', () => {
  it('healthy cluster: one host goes next (fewest encrypted VMs first), the others wait their turn in order', () => {
    const p = plan([
      { name: 'esx-01', encryptedVms: 5 },
      { name: 'esx-02', encryptedVms: 1 },
      { name: 'esx-03', encryptedVms: 3 },
    ]);
    expect(p.hosts.map((h) => [h.hostName, h.step, h.state])).toEqual([
      ['esx-02', 1, 'next'],
      ['esx-03', 2, 'waiting'],
      ['esx-01', 3, 'waiting'],
    ]);
    expect(p.next).toEqual({ hostId: 'vc-1:esx-02', hostName: 'esx-02' });
    expect(row(p, 'esx-03').reason).toMatch(/step 2.*one host of a vSAN cluster at a time/);
    expect([p.ready, p.blocked, p.fixFirst, p.warnings]).toEqual([3, 0, [], []]);
  });

  it('redundancy limit: a host in maintenance is the one in progress; the others wait for it instead of being reported broken', () => {
    const p = plan([{ name: 'esx-01' }, { name: 'esx-02', facts: inMaintenance, encryptedVms: 9 }, { name: 'esx-03' }]);
    // Its peers' CLUSTER_REDUNDANCY fails because of it, which is the plan working, not a fault.
    expect(clusterReports([{ name: 'a' }, { name: 'b', facts: inMaintenance }])[0]!.report.blocking).toEqual(['CLUSTER_REDUNDANCY']);
    expect(p.hosts.map((h) => [h.hostName, h.step, h.state])).toEqual([
      ['esx-02', 1, 'in-progress'],
      ['esx-01', 2, 'waiting'],
      ['esx-03', 3, 'waiting'],
    ]);
    expect(row(p, 'esx-01')).toMatchObject({ waitsFor: ['esx-02'], blocking: [], reason: expect.stringContaining('Waits for esx-02 to leave maintenance mode') });
    expect(p.next!.hostName).toBe('esx-02');
    expect(p.fixFirst).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  it('two hosts in maintenance at once: both in progress, nobody else may go, and the plan warns that the limit is exceeded', () => {
    const p = plan([{ name: 'esx-01', facts: inMaintenance }, { name: 'esx-02', facts: inMaintenance }, { name: 'esx-03' }]);
    expect(p.hosts.map((h) => [h.hostName, h.state])).toEqual([
      ['esx-01', 'in-progress'],
      ['esx-02', 'in-progress'],
      ['esx-03', 'waiting'],
    ]);
    expect(row(p, 'esx-03').waitsFor.sort()).toEqual(['esx-01', 'esx-02']);
    expect(p.warnings).toEqual([expect.stringContaining('2 hosts are in maintenance mode at once (esx-01, esx-02)')]);
  });

  it('a host with unmounted disk groups blocks itself (investigate first) and every peer (vSAN already lacks its copy)', () => {
    const p = plan([{ name: 'esx-01', facts: (h) => (h.diskGroups = [{ uuid: 'dg', mounted: false, encrypted: true, keysLoaded: false }]) }, { name: 'esx-02' }]);
    expect(row(p, 'esx-01').blocking.map((b) => b.rule)).toEqual(['DISK_GROUPS_MOUNTED']);
    expect(row(p, 'esx-02').blocking.map((b) => b.rule)).toEqual(['CLUSTER_REDUNDANCY']);
    expect(p.fixFirst.find((f) => f.rule === 'DISK_GROUPS_MOUNTED')!.remediation).toContain('remount');
  });

  it('a disconnected host is not part of the plan: it blocks every other host by CLUSTER_REDUNDANCY, to be fixed first', () => {
    const p = plan([{ name: 'esx-01', facts: (h) => (h.connectionState = 'notResponding') }, { name: 'esx-02' }, { name: 'esx-03' }]);
    expect(p.next).toBeNull();
    expect(p.ready).toBe(0);
    expect(p.hosts.every((h) => h.state === 'blocked' && h.step === null)).toBe(true);
    expect(row(p, 'esx-02').blocking.map((b) => b.rule)).toEqual(['CLUSTER_REDUNDANCY']);
    expect(row(p, 'esx-01').blocking.map((b) => b.rule)).toEqual(['HOST_CONNECTED']);
    expect(p.fixFirst[0]).toEqual({ rule: 'CLUSTER_REDUNDANCY', hosts: ['esx-02', 'esx-03'], remediation: expect.stringContaining('Bring the other host back') });
  });

  it('blocked hosts come last with their reasons, the most widespread fix first; the ready ones keep their order', () => {
    const p = plan([
      { name: 'esx-01', input: nodesDown },
      { name: 'esx-02', input: (i) => (i.host!.providers = [{ providerId: 'kms', health: 'ERROR', details: ['Cannot connect to the KMS cluster.'] }]) },
      { name: 'esx-03', input: nodesDown },
      { name: 'esx-04', encryptedVms: 2 },
    ]);
    expect(p.hosts.map((h) => [h.hostName, h.state])).toEqual([
      ['esx-04', 'next'],
      ['esx-01', 'blocked'],
      ['esx-02', 'blocked'],
      ['esx-03', 'blocked'],
    ]);
    expect(row(p, 'esx-02')).toMatchObject({ step: null, blocking: [expect.objectContaining({ rule: 'HOST_KMS_HEALTH' })], reason: expect.stringMatching(/^Blocked by HOST_KMS_HEALTH: /) });
    expect(p.fixFirst.map((f) => [f.rule, f.hosts])).toEqual([
      ['KEYS_AVAILABLE', ['esx-01', 'esx-03']],
      ['KMS_NODE_REACHABLE', ['esx-01', 'esx-03']],
      ['HOST_KMS_HEALTH', ['esx-02']],
    ]);
    expect([p.ready, p.blocked]).toEqual([1, 3]);
  });

  it('a host in maintenance that is itself blocked stays blocked: nothing may go, and the others wait for it', () => {
    const p = plan([{ name: 'esx-01', facts: inMaintenance, input: nodesDown }, { name: 'esx-02' }]);
    expect(row(p, 'esx-01').state).toBe('blocked');
    expect(row(p, 'esx-02')).toMatchObject({ state: 'waiting', waitsFor: ['esx-01'] });
    expect(p.next).toBeNull();
  });
});
