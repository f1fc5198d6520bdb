/**
 * The readiness rules of DESIGN.md §4, one small pure function each. A rule sees the whole input and
 * answers pass / warn / fail — or unknown when its inputs are missing, which blocks like a failure
 * (fail closed: when Keywatch does not know whether a reboot is safe, the answer is no).
 */
import type { HostAction, KmsNodeFacts, ProviderFacts, ReadinessInput, VmFacts } from './input';
import { describeUse, neededKeys, neededProviderIds, type NeededKeys } from './needed-keys';

export const RULE_IDS = [
  'VC_REACHABLE',
  'HOST_CONNECTED',
  'HOST_KMS_HEALTH',
  'KMS_NODE_REACHABLE',
  'KEYS_AVAILABLE',
  'KMS_NOT_SELF_HOSTED',
  'CLUSTER_REDUNDANCY',
  'DISK_GROUPS_MOUNTED',
  'CERTS_VALID',
  'DATA_FRESH',
  'EVACUATION_KEYS',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export type RuleStatus = 'pass' | 'warn' | 'fail' | 'unknown';

export interface Evidence {
  kind: 'vcenter' | 'host' | 'provider' | 'node' | 'key' | 'vm' | 'disk-group' | 'datastore' | 'certificate' | 'data-age';
  /** Identifier of the thing (host id, node name, key id…). */
  id: string;
  /** One sentence an operator reads. */
  detail: string;
}

export interface RuleResult {
  id: RuleId;
  status: RuleStatus;
  /** One line: what the rule found. */
  summary: string;
  evidence: Evidence[];
  /** One line: what to do about it (empty when it passed). */
  remediation: string;
}

/** What every rule gets: the input plus the keys and providers derived from it once. */
export interface RuleContext {
  input: ReadinessInput;
  needed: NeededKeys;
  providerIds: string[];
  providers: Map<string, ProviderFacts>;
}

export function ruleContext(input: ReadinessInput): RuleContext {
  const needed = neededKeys(input);
  return { input, needed, providerIds: neededProviderIds(needed), providers: new Map(input.providers.map((p) => [p.id, p])) };
}

type Rule = (ctx: RuleContext) => RuleResult;

const CERT_WARN_DAYS = 14;

function result(id: RuleId, status: RuleStatus, summary: string, evidence: Evidence[], remediation: string): RuleResult {
  return { id, status, summary, evidence, remediation: status === 'pass' ? '' : remediation };
}

function worst(statuses: RuleStatus[]): RuleStatus {
  const order: RuleStatus[] = ['fail', 'unknown', 'warn', 'pass'];
  return order.find((s) => statuses.includes(s)) ?? 'pass';
}

function providerMissingEvidence(ctx: RuleContext, providerId: string): Evidence {
  const why = ctx.input.providerErrors.find((e) => e.providerId === providerId)?.message;
  return { kind: 'provider', id: providerId, detail: why ?? `Key provider ${providerId} is not known to Keywatch.` };
}

export const vcReachable: Rule = ({ input }) =>
  input.vcenter.reachable
    ? result('VC_REACHABLE', 'pass', 'vCenter answered.', [{ kind: 'vcenter', id: 'vcenter', detail: 'vCenter answered the live read.' }], '')
    : result(
        'VC_REACHABLE',
        'fail',
        'vCenter cannot be queried.',
        [{ kind: 'vcenter', id: 'vcenter', detail: input.vcenter.error ?? 'vCenter did not answer.' }],
        'Restore Keywatch → vCenter connectivity (URL, certificate, credentials) before any host action.',
      );

export const hostConnected: Rule = ({ input }) => {
  const host = input.host;
  if (!host) return result('HOST_CONNECTED', 'unknown', 'The host is not known to vCenter.', [], 'Check the host id / name and that it is still in the inventory.');
  const ev: Evidence[] = [{ kind: 'host', id: host.id, detail: `${host.name} is ${host.connectionState}${host.inMaintenanceMode ? ' (in maintenance mode)' : ''}.` }];
  return host.connectionState === 'connected'
    ? result('HOST_CONNECTED', 'pass', `${host.name} is connected.`, ev, '')
    : result('HOST_CONNECTED', 'fail', `${host.name} is ${host.connectionState}.`, ev, 'Reconnect the host in vCenter and find out why it stopped responding before acting on it.');
};

export const hostKmsHealth: Rule = (ctx) => {
  const host = ctx.input.host;
  if (!host) return result('HOST_KMS_HEALTH', 'unknown', 'No host to check.', [], 'Check the host id.');
  const standard = ctx.providerIds.filter((id) => ctx.providers.get(id)?.kind !== 'native');
  if (standard.length === 0) return result('HOST_KMS_HEALTH', 'pass', 'The host needs no external key provider.', [], '');
  if (host.providers === null) {
    return result(
      'HOST_KMS_HEALTH',
      'unknown',
      'vCenter did not report the host’s view of its key providers.',
      [{ kind: 'host', id: host.id, detail: host.readErrors[0] ?? 'No per-host key provider status.' }],
      'Make sure vCenter can reach the host, then run the check again.',
    );
  }
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  for (const providerId of standard) {
    const view = host.providers.find((p) => p.providerId === providerId);
    if (!view) {
      statuses.push('fail');
      evidence.push({ kind: 'provider', id: providerId, detail: `${host.name} does not list key provider ${providerId}.` });
      continue;
    }
    const status: RuleStatus = view.health === 'OK' ? 'pass' : view.health === 'WARNING' ? 'warn' : view.health === 'ERROR' ? 'fail' : 'unknown';
    statuses.push(status);
    const details = view.details.length > 0 ? `: ${view.details.join('; ')}` : '';
    evidence.push({ kind: 'provider', id: providerId, detail: `${host.name} sees ${providerId} as ${view.health}${details}.` });
  }
  const status = worst(statuses);
  return result(
    'HOST_KMS_HEALTH',
    status,
    status === 'pass' ? 'The host reaches every key provider it needs.' : 'The host does not reach a key provider it needs.',
    evidence,
    'Restore connectivity from the host to its KMS (network path, KMS address and port, trust between host and KMS), then check again.',
  );
};

function standardProviders(ctx: RuleContext): { id: string; provider: ProviderFacts | undefined }[] {
  return ctx.providerIds.filter((id) => ctx.providers.get(id)?.kind !== 'native').map((id) => ({ id, provider: ctx.providers.get(id) }));
}

export const kmsNodeReachable: Rule = (ctx) => {
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  for (const { id, provider } of standardProviders(ctx)) {
    if (!provider || !provider.monitored || provider.nodes.length === 0) {
      statuses.push('unknown');
      evidence.push(provider ? { kind: 'provider', id, detail: `Keywatch has no KMS nodes and credentials for ${id}, so it cannot probe it.` } : providerMissingEvidence(ctx, id));
      continue;
    }
    const down = provider.nodes.filter((n) => !n.reachable);
    for (const n of provider.nodes) {
      evidence.push({ kind: 'node', id: n.name, detail: n.reachable ? `${n.name} (${n.host}:${n.port}) answered KMIP.` : `${n.name} (${n.host}:${n.port}) did not answer: ${n.error ?? 'unreachable'}.` });
    }
    statuses.push(down.length === 0 ? 'pass' : down.length === provider.nodes.length ? 'fail' : 'warn');
  }
  if (statuses.length === 0) return result('KMS_NODE_REACHABLE', 'pass', 'The host needs no KMIP key provider.', [], '');
  const status = worst(statuses);
  return result(
    'KMS_NODE_REACHABLE',
    status,
    status === 'pass' ? 'Every KMS node answers KMIP.' : status === 'warn' ? 'Some KMS nodes do not answer; the provider still has reachable nodes.' : 'No KMS node of a needed provider answers KMIP.',
    evidence,
    'Bring the KMS nodes back (service, address and port, firewall) before rebooting; a host that reboots now cannot fetch its keys.',
  );
};

/** A key on a provider's nodes: which reachable nodes hold it Active (the blast radius asks the same question). */
export function keyOnNodes(nodes: KmsNodeFacts[], keyId: string) {
  const reachable = nodes.filter((n) => n.reachable);
  const active = reachable.filter((n) => n.keys.find((k) => k.id === keyId)?.status === 'active');
  return { reachable, active, missing: reachable.filter((n) => !active.includes(n)) };
}

export const keysAvailable: Rule = (ctx) => {
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  for (const what of ctx.needed.unknown) {
    statuses.push('unknown');
    evidence.push({ kind: 'key', id: 'unknown', detail: `vCenter does not report the ${what}.` });
  }
  for (const key of ctx.needed.keys) {
    const usedBy = key.uses.map(describeUse).join(', ');
    if (!key.providerId) {
      statuses.push('unknown');
      evidence.push({ kind: 'key', id: key.keyId, detail: `Key ${key.keyId} (${usedBy}) has no key provider in vCenter.` });
      continue;
    }
    const provider = ctx.providers.get(key.providerId);
    if (!provider) {
      statuses.push('unknown');
      evidence.push({ ...providerMissingEvidence(ctx, key.providerId), id: key.keyId });
      continue;
    }
    if (provider.kind === 'native') {
      // The Native Key Provider has no KMIP endpoint: vCenter's own health of it is all there is.
      const h = provider.vcenterHealth;
      const status: RuleStatus = h === 'OK' ? 'pass' : h === 'WARNING' ? 'warn' : h === null ? 'unknown' : 'fail';
      statuses.push(status);
      if (status !== 'pass') evidence.push({ kind: 'key', id: key.keyId, detail: `Key ${key.keyId} (${usedBy}) is held by native key provider ${provider.id}, which vCenter reports as ${h ?? 'unknown'}.` });
      continue;
    }
    const { reachable, active, missing } = keyOnNodes(provider.nodes, key.keyId);
    if (reachable.length === 0) {
      statuses.push('fail');
      evidence.push({ kind: 'key', id: key.keyId, detail: `Key ${key.keyId} (${usedBy}) cannot be checked: no node of ${provider.id} answers.` });
    } else if (active.length === 0) {
      statuses.push('fail');
      const states = reachable.map((n) => `${n.name}: ${n.keys.find((k) => k.id === key.keyId)?.state ?? n.keys.find((k) => k.id === key.keyId)?.status ?? 'not asked'}`).join(', ');
      evidence.push({ kind: 'key', id: key.keyId, detail: `Key ${key.keyId} (${usedBy}) is missing or not Active on every node (${states}).` });
    } else if (missing.length > 0) {
      statuses.push('warn');
      evidence.push({ kind: 'key', id: key.keyId, detail: `Key ${key.keyId} (${usedBy}) is missing on ${missing.map((n) => n.name).join(', ')} (replication gap).` });
    } else {
      statuses.push('pass');
    }
  }
  const status = worst(statuses);
  return result(
    'KEYS_AVAILABLE',
    status,
    status === 'pass'
      ? `All ${ctx.needed.keys.length} keys the host needs after a reboot are Active on every reachable node.`
      : status === 'warn'
        ? 'Every needed key exists, but not on every KMS node (replication gap).'
        : 'A key the host needs after a reboot is missing, not Active, or cannot be checked.',
    evidence,
    status === 'warn'
      ? 'Fix KMS replication so every node holds every key before the node that has them goes down.'
      : 'Restore the missing keys on the KMS (from its backup or replication) before rebooting; VMs and disk groups using them will not come back otherwise.',
  );
};

function matchesNode(vm: VmFacts, node: KmsNodeFacts): boolean {
  if (vm.ipAddress && vm.ipAddress === node.host) return true;
  const needles = [node.name.toLowerCase(), node.host.toLowerCase()];
  const hay = [vm.name.toLowerCase(), (vm.annotation ?? '').toLowerCase()];
  return needles.some((n) => n.length > 0 && hay.some((h) => h.includes(n)));
}

export const kmsNotSelfHosted: Rule = (ctx) => {
  const { input } = ctx;
  const host = input.host;
  if (!host) return result('KMS_NOT_SELF_HOSTED', 'unknown', 'No host to check.', [], 'Check the host id.');
  const encryptedVsanStores = new Set(
    input.cluster?.vsanEncryption?.enabled ? input.datastores.filter((d) => d.type?.toLowerCase() === 'vsan').map((d) => d.id) : [],
  );
  const evidence: Evidence[] = [];
  let failed = false;
  for (const { id, provider } of standardProviders(ctx)) {
    if (!provider) continue;
    const reachable = provider.nodes.filter((n) => n.reachable);
    for (const node of provider.nodes) {
      const vm = input.candidateApplianceVms.find((v) => matchesNode(v, node));
      if (!vm) continue;
      const onStore = vm.datastoreIds.find((d) => encryptedVsanStores.has(d));
      if (onStore) {
        failed = true;
        const name = input.datastores.find((d) => d.id === onStore)?.name ?? onStore;
        evidence.push({ kind: 'vm', id: vm.id, detail: `KMS node ${node.name} runs as VM ${vm.name} on encrypted vSAN datastore ${name}, which it unlocks.` });
      }
      if (vm.hostId === host.id && reachable.length <= 1 && reachable.some((n) => n.name === node.name)) {
        failed = true;
        evidence.push({ kind: 'vm', id: vm.id, detail: `KMS node ${node.name} (VM ${vm.name}) runs on ${host.name} and is the last reachable node of ${id}.` });
      }
      if (vm.keyId?.providerId === id) {
        failed = true;
        evidence.push({ kind: 'vm', id: vm.id, detail: `KMS node ${node.name} (VM ${vm.name}) is itself encrypted by ${id}, the provider it serves.` });
      }
    }
  }
  return failed
    ? result(
        'KMS_NOT_SELF_HOSTED',
        'fail',
        'A KMS node depends on what it unlocks.',
        evidence,
        'Move the KMS appliance VM off the encrypted datastore / host it unlocks (and do not encrypt it with its own provider) before rebooting.',
      )
    : result('KMS_NOT_SELF_HOSTED', 'pass', 'No KMS node depends on this host’s encrypted storage.', evidence, '');
};

export const clusterRedundancy: Rule = ({ input }) => {
  const host = input.host;
  if (!host) return result('CLUSTER_REDUNDANCY', 'unknown', 'No host to check.', [], 'Check the host id.');
  const vsan = input.cluster?.vsanEncryption !== null && input.cluster?.vsanEncryption !== undefined
    ? true
    : (host.diskGroups?.length ?? 0) > 0;
  if (!host.clusterId || !vsan) return result('CLUSTER_REDUNDANCY', 'pass', 'The host is not part of a vSAN cluster.', [], '');
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  for (const peer of input.peers) {
    if (peer.id === host.id) continue;
    if (peer.inMaintenanceMode) {
      statuses.push('fail');
      evidence.push({ kind: 'host', id: peer.id, detail: `${peer.name} is in maintenance mode.` });
    } else if (peer.connectionState !== 'connected') {
      statuses.push('fail');
      evidence.push({ kind: 'host', id: peer.id, detail: `${peer.name} is ${peer.connectionState}.` });
    } else if (peer.diskGroups === null) {
      statuses.push('unknown');
      evidence.push({ kind: 'host', id: peer.id, detail: `The disk groups of ${peer.name} could not be read.` });
    } else if (peer.diskGroups.some((g) => !g.mounted || g.keysLoaded === false)) {
      statuses.push('fail');
      evidence.push({ kind: 'host', id: peer.id, detail: `${peer.name} has unmounted or locked disk groups.` });
    } else {
      statuses.push('pass');
    }
  }
  const status = worst(statuses);
  return result(
    'CLUSTER_REDUNDANCY',
    status,
    status === 'pass' ? `All ${input.peers.filter((p) => p.id !== host.id).length} other hosts of the cluster are up with their disk groups.` : 'Another host of the vSAN cluster is not fully available.',
    evidence,
    'Bring the other host back (exit maintenance, reconnect, remount its disk groups) before taking this one down: vSAN objects would lose another replica.',
  );
};

export const diskGroupsMounted: Rule = ({ input }) => {
  const host = input.host;
  if (!host) return result('DISK_GROUPS_MOUNTED', 'unknown', 'No host to check.', [], 'Check the host id.');
  if (host.diskGroups === null) {
    return result(
      'DISK_GROUPS_MOUNTED',
      'unknown',
      'The host’s vSAN disk groups could not be read.',
      [{ kind: 'host', id: host.id, detail: host.readErrors[0] ?? 'No disk group information.' }],
      'Make sure vCenter can read the host’s vSAN disk groups, then check again.',
    );
  }
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  for (const g of host.diskGroups) {
    if (!g.mounted) {
      statuses.push('fail');
      evidence.push({ kind: 'disk-group', id: g.uuid, detail: `Disk group ${g.uuid} is unmounted.` });
    } else if (g.encrypted && g.keysLoaded === false) {
      statuses.push('fail');
      evidence.push({ kind: 'disk-group', id: g.uuid, detail: `Disk group ${g.uuid} is mounted but its encryption keys are not loaded.` });
    } else if (g.encrypted && g.keysLoaded === null) {
      statuses.push('unknown');
      evidence.push({ kind: 'disk-group', id: g.uuid, detail: `vSAN does not say whether disk group ${g.uuid} has its keys loaded.` });
    } else {
      statuses.push('pass');
    }
  }
  const status = worst(statuses);
  return result(
    'DISK_GROUPS_MOUNTED',
    status,
    status === 'pass' ? `All ${host.diskGroups.length} disk groups are mounted with their keys loaded.` : 'The host has disk groups that are not mounted or not unlocked now.',
    evidence,
    'Investigate the host’s KMS connectivity and remount the disk groups before rebooting: a reboot will not fix a host that cannot fetch its keys.',
  );
};

export const certsValid: Rule = (ctx) => {
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  for (const { provider } of standardProviders(ctx)) {
    for (const node of provider?.nodes ?? []) {
      for (const [label, days] of [
        ['server', node.serverCertificateDaysLeft],
        ['Keywatch client', node.clientCertificateDaysLeft],
      ] as const) {
        if (days === null) continue;
        if (days < 0) {
          statuses.push('fail');
          evidence.push({ kind: 'certificate', id: `${node.name}:${label}`, detail: `The ${label} certificate of ${node.name} expired ${-days} days ago.` });
        } else if (days <= CERT_WARN_DAYS) {
          statuses.push('warn');
          evidence.push({ kind: 'certificate', id: `${node.name}:${label}`, detail: `The ${label} certificate of ${node.name} expires in ${days} days.` });
        } else {
          statuses.push('pass');
        }
      }
    }
  }
  const status = worst(statuses);
  return result(
    'CERTS_VALID',
    status,
    status === 'pass' ? 'KMS server and client certificates are valid.' : status === 'warn' ? `A KMS certificate expires within ${CERT_WARN_DAYS} days.` : 'A KMS certificate has expired.',
    evidence,
    'Renew the KMS server certificate (or Keywatch’s / vCenter’s client certificate) and re-establish trust before rebooting.',
  );
};

export const dataFresh: Rule = ({ input }) => {
  const readAt = input.vcenter.readAt;
  if (!readAt) return result('DATA_FRESH', 'unknown', 'No vCenter data at all.', [], 'Wait for the poller to read vCenter, or fix vCenter connectivity.');
  const ageMs = Math.max(0, input.now.getTime() - readAt.getTime());
  const ageText = ageMs < 120_000 ? `${Math.round(ageMs / 1000)} s` : `${Math.round(ageMs / 60_000)} min`;
  const ev: Evidence[] = [{ kind: 'data-age', id: input.vcenter.source, detail: `${input.vcenter.source === 'live' ? 'Live read' : 'Stored observations'} from ${ageText} ago.` }];
  if (ageMs > input.freshnessLimitMs) {
    return result('DATA_FRESH', 'fail', `The data is ${ageText} old.`, ev, 'Run the check again once vCenter answers; stale data cannot prove a reboot safe.');
  }
  return input.vcenter.source === 'stored'
    ? result('DATA_FRESH', 'warn', `Using stored data, ${ageText} old.`, ev, 'vCenter could not be read live; the verdict rests on the last poll.')
    : result('DATA_FRESH', 'pass', 'Checked live.', ev, '');
};

export const evacuationKeys: Rule = (ctx) => {
  const host = ctx.input.host;
  if (!host) return result('EVACUATION_KEYS', 'unknown', 'No host to check.', [], 'Check the host id.');
  const evidence: Evidence[] = [];
  const statuses: RuleStatus[] = [];
  const moving = ctx.input.vms.filter((v) => v.hostId === host.id && v.cryptoState !== null && v.powerState === 'poweredOn');
  for (const vm of moving) {
    const providerId = vm.keyId?.providerId ?? null;
    const provider = providerId ? ctx.providers.get(providerId) : undefined;
    const h = provider?.vcenterHealth ?? null;
    const status: RuleStatus = h === 'OK' ? 'pass' : h === 'WARNING' ? 'warn' : h === null ? 'unknown' : 'fail';
    statuses.push(status);
    if (status !== 'pass') evidence.push({ kind: 'vm', id: vm.id, detail: `VM ${vm.name} must move off ${host.name}; vCenter reports its provider ${providerId ?? '(unknown)'} as ${h ?? 'unknown'}.` });
  }
  const status = worst(statuses);
  return result(
    'EVACUATION_KEYS',
    status,
    status === 'pass' ? `${moving.length} encrypted VMs can be moved: vCenter reaches their key providers.` : 'vCenter may not be able to hand an evacuated VM’s key to its new host.',
    evidence,
    'Restore vCenter → KMS connectivity for the provider before entering maintenance mode, or power the VMs off.',
  );
};

const RULES: Record<RuleId, Rule> = {
  VC_REACHABLE: vcReachable,
  HOST_CONNECTED: hostConnected,
  HOST_KMS_HEALTH: hostKmsHealth,
  KMS_NODE_REACHABLE: kmsNodeReachable,
  KEYS_AVAILABLE: keysAvailable,
  KMS_NOT_SELF_HOSTED: kmsNotSelfHosted,
  CLUSTER_REDUNDANCY: clusterRedundancy,
  DISK_GROUPS_MOUNTED: diskGroupsMounted,
  CERTS_VALID: certsValid,
  DATA_FRESH: dataFresh,
  EVACUATION_KEYS: evacuationKeys,
};

/** Which rules guard which action: leaving maintenance touches no keys; entering it moves VMs. */
export function rulesFor(action: HostAction): RuleId[] {
  if (action === 'exit-maintenance') return ['VC_REACHABLE', 'HOST_CONNECTED', 'DATA_FRESH'];
  const all = RULE_IDS.filter((id) => id !== 'EVACUATION_KEYS');
  return action === 'enter-maintenance' ? [...all, 'EVACUATION_KEYS'] : all;
}

export function evaluateRule(id: RuleId, ctx: RuleContext): RuleResult {
  try {
    return RULES[id](ctx);
  } catch (err) {
    // A rule that throws could not be evaluated: that is an unknown, and unknown blocks.
    return result(id, 'unknown', 'The rule could not be evaluated.', [], `Keywatch error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
