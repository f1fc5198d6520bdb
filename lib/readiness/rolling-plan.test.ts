import { describe, expect, it } from 'vitest';
import { rollingPlan } from './rolling-plan';
import { healthyInput } from './testing/healthy-input';
import { evaluateReadiness } from './verdict';

function hostReport(name: string, mutate?: (i: ReturnType<typeof healthyInput>) => void) {
  const input = healthyInput();
  input.host!.id = name;
  input.host!.name = name;
  for (const vm of input.vms) vm.hostId = name;
  mutate?.(input);
  return evaluateReadiness(input);
}

describe('rollingPlan', () => {
  it('orders READY hosts fewest encrypted VMs first and puts blocked hosts last with their reasons', () => {
    const plan = rollingPlan({
      clusterId: 'domain-c1',
      clusterName: 'vsan-a',
      checkedAt: new Date('2026-11-30T12:00:00Z'),
      hosts: [
        { hostId: 'esx-01', hostName: 'esx-01', encryptedVms: 5, report: hostReport('esx-01') },
        { hostId: 'esx-02', hostName: 'esx-02', encryptedVms: 1, report: hostReport('esx-02') },
        {
          hostId: 'esx-03',
          hostName: 'esx-03',
          encryptedVms: 0,
          report: hostReport('esx-03', (i) => (i.host!.diskGroups = [{ uuid: 'dg', mounted: false, encrypted: true, keysLoaded: false }])),
        },
      ],
    });
    expect(plan.hosts.map((h) => [h.hostName, h.step])).toEqual([
      ['esx-02', 1],
      ['esx-01', 2],
      ['esx-03', null],
    ]);
    expect(plan.hosts[2]!.blocking.map((b) => b.rule)).toEqual(['DISK_GROUPS_MOUNTED']);
    expect(plan.fixFirst).toEqual([{ rule: 'DISK_GROUPS_MOUNTED', hosts: ['esx-03'], remediation: expect.stringContaining('remount') }]);
    expect([plan.ready, plan.blocked]).toEqual([2, 1]);
  });

  it('names a problem that blocks every host first', () => {
    const down = (i: ReturnType<typeof healthyInput>) => {
      for (const n of i.providers[0]!.nodes) n.reachable = false;
    };
    const plan = rollingPlan({
      clusterId: 'c',
      clusterName: 'c',
      checkedAt: new Date(),
      hosts: [
        { hostId: 'a', hostName: 'a', encryptedVms: 0, report: hostReport('a', down) },
        { hostId: 'b', hostName: 'b', encryptedVms: 0, report: hostReport('b', (i) => { down(i); i.host!.connectionState = 'notResponding'; }) },
      ],
    });
    expect(plan.ready).toBe(0);
    expect(plan.fixFirst[0]!.hosts).toEqual(['a', 'b']);
    expect(['KEYS_AVAILABLE', 'KMS_NODE_REACHABLE']).toContain(plan.fixFirst[0]!.rule);
    expect(plan.fixFirst.find((f) => f.rule === 'HOST_CONNECTED')!.hosts).toEqual(['b']);
  });
});
