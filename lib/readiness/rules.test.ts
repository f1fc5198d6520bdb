import { describe, expect, it } from 'vitest';
import { neededKeys } from './needed-keys';
import { evaluateRule, ruleContext, rulesFor, type RuleId } from './rules';
import { DISK_KEY, healthyInput, HOST_KEY, KEK, VM_B_KEY, VM_KEY } from './testing/healthy-input';
import { evaluateReadiness } from './verdict';
import type { ReadinessInput } from './input';

function rule(id: RuleId, input: ReadinessInput) {
  return evaluateRule(id, ruleContext(input));
}

function statusOf(report: ReturnType<typeof evaluateReadiness>, id: RuleId) {
  return report.rules.find((r) => r.id === id)?.status;
}

describe('neededKeys', () => {
  it('takes the vSAN KEK and host key from the cluster and every encrypted VM key, powered-off VMs included', () => {
    const needed = neededKeys(healthyInput());
    expect(needed.keys.map((k) => k.keyId).sort()).toEqual([DISK_KEY, HOST_KEY, KEK, VM_B_KEY, VM_KEY].sort());
    expect(needed.unknown).toEqual([]);
    expect(needed.keys.find((k) => k.keyId === VM_KEY)!.uses.map((u) => u.kind)).toEqual(['vm-config', 'vm-disk']);
  });

  it('uses the cluster host key even when the host reports none (that is when it is in trouble)', () => {
    const input = healthyInput();
    input.host!.hostKey = null;
    expect(neededKeys(input).keys.map((k) => k.keyId)).toContain(HOST_KEY);
  });

  it('reports an encrypted cluster without KEK id as unknown', () => {
    const input = healthyInput();
    input.cluster!.vsanEncryption!.kekId = null;
    expect(neededKeys(input).unknown).toEqual(['vSAN KEK id of cluster vsan-a']);
  });
});

describe('rules on a healthy estate', () => {
  it('every rule passes and the verdict is READY for reboot and enter-maintenance', () => {
    for (const action of ['reboot', 'enter-maintenance'] as const) {
      const report = evaluateReadiness(healthyInput({ action }));
      expect(report.rules.filter((r) => r.status !== 'pass')).toEqual([]);
      expect(report.verdict).toBe('READY');
      expect(report.rules.map((r) => r.id)).toEqual(rulesFor(action));
    }
    expect(rulesFor('enter-maintenance')).toContain('EVACUATION_KEYS');
    expect(rulesFor('reboot')).not.toContain('EVACUATION_KEYS');
  });
});

describe('each rule blocks on its own failure', () => {
  it('VC_REACHABLE fails when vCenter cannot be queried', () => {
    const report = evaluateReadiness(healthyInput({ vcenter: { reachable: false, error: 'connect ECONNREFUSED', source: 'stored', readAt: new Date('2026-11-30T11:59:00Z') } }));
    expect(statusOf(report, 'VC_REACHABLE')).toBe('fail');
    expect(report.rules.find((r) => r.id === 'VC_REACHABLE')!.evidence[0]!.detail).toContain('ECONNREFUSED');
    expect(report.verdict).toBe('BLOCKED');
  });

  it('HOST_CONNECTED fails for a host not responding and is unknown for no host', () => {
    const input = healthyInput();
    input.host!.connectionState = 'notResponding';
    expect(rule('HOST_CONNECTED', input).status).toBe('fail');
    expect(evaluateReadiness(healthyInput({ host: null })).verdict).toBe('BLOCKED');
  });

  it('HOST_KMS_HEALTH: ERROR fails with vCenter’s details, WARNING warns, no view is unknown', () => {
    const input = healthyInput();
    input.host!.providers = [{ providerId: 'kms', health: 'ERROR', details: ['Cannot connect to KMS kms-1'] }];
    const r = rule('HOST_KMS_HEALTH', input);
    expect(r.status).toBe('fail');
    expect(r.evidence[0]!.detail).toContain('Cannot connect to KMS kms-1');
    input.host!.providers = [{ providerId: 'kms', health: 'WARNING', details: [] }];
    expect(rule('HOST_KMS_HEALTH', input).status).toBe('warn');
    input.host!.providers = null;
    expect(rule('HOST_KMS_HEALTH', input).status).toBe('unknown');
    input.host!.providers = [];
    expect(rule('HOST_KMS_HEALTH', input).status).toBe('fail');
  });

  it('KMS_NODE_REACHABLE: all nodes down fails, some down warns, no credentials is unknown', () => {
    const input = healthyInput();
    const nodes = input.providers[0]!.nodes;
    nodes[0]!.reachable = false;
    nodes[0]!.error = 'connection refused';
    expect(rule('KMS_NODE_REACHABLE', input).status).toBe('warn');
    for (const n of nodes) n.reachable = false;
    const r = rule('KMS_NODE_REACHABLE', input);
    expect(r.status).toBe('fail');
    expect(r.evidence.map((e) => e.id)).toEqual(['kms-1', 'kms-2', 'kms-3']);
    input.providers[0]!.monitored = false;
    expect(rule('KMS_NODE_REACHABLE', input).status).toBe('unknown');
    expect(rule('KMS_NODE_REACHABLE', healthyInput({ providers: [] })).status).toBe('unknown');
  });

  it('KEYS_AVAILABLE: a VM key missing on every node fails naming VM and key; on one node warns', () => {
    const input = healthyInput();
    for (const n of input.providers[0]!.nodes) n.keys = n.keys.map((k) => (k.id === VM_B_KEY ? { id: k.id, status: 'not-found' } : k));
    const r = rule('KEYS_AVAILABLE', input);
    expect(r.status).toBe('fail');
    expect(r.evidence).toHaveLength(1);
    expect(r.evidence[0]!.id).toBe(VM_B_KEY);
    expect(r.evidence[0]!.detail).toContain('VM app-b');

    const gap = healthyInput();
    gap.providers[0]!.nodes[1]!.keys = gap.providers[0]!.nodes[1]!.keys.filter((k) => k.id !== DISK_KEY);
    const g = rule('KEYS_AVAILABLE', gap);
    expect(g.status).toBe('warn');
    expect(g.evidence[0]!.detail).toMatch(/missing on kms-2.*replication gap/);
    expect(evaluateReadiness(gap).verdict).toBe('READY');
  });

  it('KEYS_AVAILABLE: a key that is Deactivated everywhere fails; no reachable node fails; unknown provider is unknown', () => {
    const input = healthyInput();
    for (const n of input.providers[0]!.nodes) n.keys = n.keys.map((k) => (k.id === KEK ? { id: k.id, status: 'not-active', state: 'Deactivated' } : k));
    const r = rule('KEYS_AVAILABLE', input);
    expect(r.status).toBe('fail');
    expect(r.evidence[0]!.detail).toContain('Deactivated');
    const down = healthyInput();
    for (const n of down.providers[0]!.nodes) n.reachable = false;
    expect(rule('KEYS_AVAILABLE', down).status).toBe('fail');
    const orphan = healthyInput();
    orphan.vms[0]!.keyId = { keyId: VM_KEY, providerId: null };
    orphan.vms[0]!.disks = [];
    expect(rule('KEYS_AVAILABLE', orphan).status).toBe('unknown');
  });

  it('KEYS_AVAILABLE: keys of the native key provider follow vCenter’s view of it', () => {
    const input = healthyInput({
      cluster: { id: 'domain-c1', name: 'vsan-a', vsanEncryption: { enabled: true, providerId: 'nkp', kekId: 'nkp-kek', hostKeyId: 'nkp-host' } },
      vms: [],
      providers: [{ id: 'nkp', kind: 'native', vcenterHealth: 'OK', monitored: false, nodes: [] }],
    });
    expect(evaluateReadiness(input).verdict).toBe('READY');
    input.providers[0]!.vcenterHealth = 'ERROR';
    expect(rule('KEYS_AVAILABLE', input).status).toBe('fail');
  });

  it('KMS_NOT_SELF_HOSTED: an appliance on the encrypted vSAN datastore it unlocks fails', () => {
    const input = healthyInput();
    input.candidateApplianceVms[0]!.datastoreIds = ['ds-vsan'];
    const r = rule('KMS_NOT_SELF_HOSTED', input);
    expect(r.status).toBe('fail');
    expect(r.evidence[0]!.detail).toContain('kms-appliance-1');
    expect(r.evidence[0]!.detail).toContain('vsanDatastore');
  });

  it('KMS_NOT_SELF_HOSTED: the last reachable node running on this host fails; with others reachable it passes', () => {
    const input = healthyInput();
    input.candidateApplianceVms[0]!.hostId = 'host-1';
    expect(rule('KMS_NOT_SELF_HOSTED', input).status).toBe('pass');
    input.providers[0]!.nodes[1]!.reachable = false;
    input.providers[0]!.nodes[2]!.reachable = false;
    expect(rule('KMS_NOT_SELF_HOSTED', input).status).toBe('fail');
  });

  it('KMS_NOT_SELF_HOSTED: an appliance encrypted by the provider it serves fails (matched by name when it has no IP)', () => {
    const input = healthyInput();
    input.candidateApplianceVms[2]!.ipAddress = null;
    input.candidateApplianceVms[2]!.keyId = { keyId: 'x', providerId: 'kms' };
    const r = rule('KMS_NOT_SELF_HOSTED', input);
    expect(r.status).toBe('fail');
    expect(r.evidence[0]!.detail).toContain('kms-3');
  });

  it('CLUSTER_REDUNDANCY: a peer in maintenance, disconnected or with unmounted disk groups fails', () => {
    for (const breakPeer of [
      (h: ReadinessInput['peers'][number]) => (h.inMaintenanceMode = true),
      (h: ReadinessInput['peers'][number]) => (h.connectionState = 'disconnected'),
      (h: ReadinessInput['peers'][number]) => (h.diskGroups = [{ uuid: 'x', mounted: false, encrypted: true, keysLoaded: false }]),
    ]) {
      const input = healthyInput();
      breakPeer(input.peers[1]!);
      const r = rule('CLUSTER_REDUNDANCY', input);
      expect(r.status).toBe('fail');
      expect(r.evidence[0]!.id).toBe('host-3');
    }
  });

  it('DISK_GROUPS_MOUNTED: unmounted or keys not loaded fails; keys-loaded unknown is unknown', () => {
    const input = healthyInput();
    input.host!.diskGroups = [{ uuid: 'dg', mounted: true, encrypted: true, keysLoaded: null }];
    expect(rule('DISK_GROUPS_MOUNTED', input).status).toBe('unknown');
    input.host!.diskGroups = [{ uuid: 'dg', mounted: false, encrypted: true, keysLoaded: false }];
    expect(rule('DISK_GROUPS_MOUNTED', input).status).toBe('fail');
    input.host!.diskGroups = null;
    expect(rule('DISK_GROUPS_MOUNTED', input).status).toBe('unknown');
  });

  it('CERTS_VALID: expired fails, expiring within 14 days warns', () => {
    const input = healthyInput();
    input.providers[0]!.nodes[0]!.clientCertificateDaysLeft = 10;
    expect(rule('CERTS_VALID', input).status).toBe('warn');
    input.providers[0]!.nodes[2]!.serverCertificateDaysLeft = -1;
    const r = rule('CERTS_VALID', input);
    expect(r.status).toBe('fail');
    expect(r.evidence.map((e) => e.id)).toContain('kms-3:server');
  });

  it('DATA_FRESH: stored data warns with its age, too old fails, none is unknown', () => {
    const stored = healthyInput({ vcenter: { reachable: true, error: null, source: 'stored', readAt: new Date('2026-11-30T11:59:00Z') } });
    const r = rule('DATA_FRESH', stored);
    expect(r.status).toBe('warn');
    expect(r.evidence[0]!.detail).toContain('60 s ago');
    expect(rule('DATA_FRESH', healthyInput({ vcenter: { reachable: true, error: null, source: 'stored', readAt: new Date('2026-11-30T11:00:00Z') } })).status).toBe('fail');
    expect(rule('DATA_FRESH', healthyInput({ vcenter: { reachable: true, error: null, source: 'live', readAt: null } })).status).toBe('unknown');
  });

  it('EVACUATION_KEYS: a powered-on encrypted VM whose provider vCenter sees as ERROR blocks entering maintenance only', () => {
    const input = healthyInput({ action: 'enter-maintenance' });
    input.providers[0]!.vcenterHealth = 'ERROR';
    const report = evaluateReadiness(input);
    expect(statusOf(report, 'EVACUATION_KEYS')).toBe('fail');
    expect(report.rules.find((r) => r.id === 'EVACUATION_KEYS')!.evidence.map((e) => e.id)).toEqual(['vm-a']);
    expect(evaluateReadiness({ ...input, action: 'reboot' }).verdict).toBe('READY');
  });
});

describe('verdict', () => {
  it('an unknown blocks like a failure and is listed as blocking', () => {
    const input = healthyInput();
    input.host!.diskGroups = null;
    const report = evaluateReadiness(input);
    expect(report.verdict).toBe('BLOCKED');
    expect(report.blocking).toEqual(['DISK_GROUPS_MOUNTED']);
  });

  it('a rule that throws is unknown, so the verdict is BLOCKED', () => {
    const input = healthyInput();
    (input as unknown as { peers: unknown }).peers = null;
    const report = evaluateReadiness(input);
    expect(statusOf(report, 'CLUSTER_REDUNDANCY')).toBe('unknown');
    expect(report.verdict).toBe('BLOCKED');
  });

  it('exit-maintenance needs only vCenter, the host and fresh data', () => {
    const input = healthyInput({ action: 'exit-maintenance' });
    for (const n of input.providers[0]!.nodes) n.reachable = false;
    expect(evaluateReadiness(input).verdict).toBe('READY');
  });
});
