/**
 * "What if": the stored estate with KMS nodes or a whole provider assumed down, or a host assumed
 * rebooting, then the gate's rules run again over it (readiness/estate-verdicts.ts) and each host's
 * needed keys are checked against the providers as they would be. Nothing is touched: it is the same
 * stored data with a few facts changed in a copy.
 */
import type { HostVerdict } from '../readiness/estate-verdicts';
import { estateVerdicts, hostIndex } from '../readiness/estate-verdicts';
import type { HostFacts, KmsNodeFacts, ProviderFacts } from '../readiness/input';
import { keyOnNodes } from '../readiness/rules';
import type { StoredEstate, StoredHost } from '../readiness/stored-estate';
import { hostNeeds } from './dependencies';

export interface Scenario {
  /** KMS node endpoints ("host:port") assumed down. */
  nodes: string[];
  /** A key provider id (vCenter's) assumed down: every node, and vCenter's and the hosts' view of it. */
  provider: string | null;
  /** A host row id assumed rebooting: down for its cluster peers, and it must fetch its keys again. */
  host: string | null;
}

export const ASSUMED_DOWN = 'assumed down (what if)';

function downNode(n: KmsNodeFacts): KmsNodeFacts {
  return { ...n, reachable: false, error: ASSUMED_DOWN, keys: [] };
}

/** A copy of the estate as the scenario would make it; the original is not changed. */
export function applyScenario(estate: StoredEstate, scenario: Scenario): StoredEstate {
  const downNodes = new Set(scenario.nodes);
  const deadProviders = new Set<string>();
  const vcenters = new Map(
    [...estate.vcenters].map(([id, vc]) => {
      const providers: ProviderFacts[] = vc.providers.map((p) => {
        const nodes = p.nodes.map((n) => (p.id === scenario.provider || downNodes.has(n.name) ? downNode(n) : n));
        const dead = p.id === scenario.provider || (p.kind !== 'native' && nodes.length > 0 && nodes.every((n) => !n.reachable));
        if (dead) deadProviders.add(p.id);
        return { ...p, nodes, vcenterHealth: dead ? 'ERROR' : p.vcenterHealth };
      });
      return [id, { ...vc, providers }] as const;
    }),
  );
  const hosts = estate.hosts.map((h): StoredHost => {
    const rebooting = h.rowId === scenario.host;
    const views = h.facts.providers?.map((v) => (deadProviders.has(v.providerId) ? { ...v, health: 'ERROR' as const, details: [ASSUMED_DOWN] } : v)) ?? null;
    const facts: HostFacts = { ...h.facts, providers: views, ...(rebooting && { connectionState: 'notResponding' }) };
    return { ...h, facts };
  });
  return { ...estate, vcenters, hosts };
}

export interface LostAfterReboot {
  hostId: string;
  hostName: string;
  clusterName: string | null;
  diskGroups: { uuid: string; capacityBytes: number | null }[];
  vms: { id: string; name: string }[];
  /** Why: one line per key that could not be had. */
  keys: { keyId: string; providerId: string | null; why: string }[];
}

/** Why a key could not be had after a reboot of this host, or null when it could. */
function keyProblem(providers: Map<string, ProviderFacts>, host: HostFacts, keyId: string, providerId: string | null, fetchedByHost: boolean): string | null {
  if (!providerId) return 'vCenter does not say which provider holds it';
  const provider = providers.get(providerId);
  if (!provider) return `provider ${providerId} is not known to Keywatch`;
  if (provider.kind === 'native') {
    return provider.vcenterHealth === 'OK' || provider.vcenterHealth === 'WARNING' ? null : `native provider ${providerId} is ${provider.vcenterHealth ?? 'unknown'} in vCenter`;
  }
  if (fetchedByHost) {
    const view = host.providers?.find((v) => v.providerId === providerId);
    if (view?.health === 'ERROR') return `the host cannot reach ${providerId}`;
  }
  const { reachable, active } = keyOnNodes(provider.nodes, keyId);
  if (reachable.length === 0) return `no node of ${providerId} answers`;
  if (active.length === 0) return `not Active on any reachable node of ${providerId}`;
  return null;
}

/** What would not come back if this host rebooted in this estate: encrypted disk groups without their KEK, encrypted VMs without a key. */
export function lostAfterReboot(estate: StoredEstate, host: StoredHost, byRowId = hostIndex(estate)): LostAfterReboot {
  const vc = estate.vcenters.get(host.vcenterId);
  const providers = new Map((vc?.providers ?? []).map((p) => [p.id, p]));
  const needed = hostNeeds(estate, host, byRowId);
  const lostVms = new Map<string, string>();
  let vsanLost = false;
  const keys: LostAfterReboot['keys'] = [];
  for (const key of needed.keys) {
    const fetchedByHost = key.uses.some((u) => u.kind === 'vsan-kek' || u.kind === 'host-key');
    const why = keyProblem(providers, host.facts, key.keyId, key.providerId, fetchedByHost);
    if (!why) continue;
    keys.push({ keyId: key.keyId, providerId: key.providerId, why });
    for (const use of key.uses) {
      if (use.kind === 'vsan-kek') vsanLost = true;
      if (use.kind === 'vm-config' || use.kind === 'vm-disk') lostVms.set(use.vmId, use.vmName);
    }
  }
  const cluster = host.clusterRowId ? estate.clusters.get(host.clusterRowId) : undefined;
  return {
    hostId: host.rowId,
    hostName: host.facts.name,
    clusterName: cluster?.facts.name ?? null,
    diskGroups: vsanLost ? (host.facts.diskGroups ?? []).filter((g) => g.encrypted).map((g) => ({ uuid: g.uuid, capacityBytes: host.diskGroupCapacity.get(g.uuid) ?? null })) : [],
    vms: [...lostVms].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    keys,
  };
}

export interface ScenarioOutcome {
  /** Hosts whose reboot verdict goes from READY to BLOCKED or unknown. */
  turnsBlocked: (HostVerdict & { before: HostVerdict['state'] })[];
  blockedTotal: number;
  /** Hosts that would lose disk groups or VMs at their next reboot (only the rebooted host, for a host scenario), and were not already losing them. */
  wouldNotComeBack: LostAfterReboot[];
}

export function scenarioOutcome(estate: StoredEstate, scenario: Scenario): ScenarioOutcome {
  const after = applyScenario(estate, scenario);
  const before = new Map(estateVerdicts(estate).map((v) => [v.id, v]));
  const verdicts = estateVerdicts(after);
  const turnsBlocked = verdicts.filter((v) => before.get(v.id)?.state === 'READY' && v.state !== 'READY').map((v) => ({ ...v, before: 'READY' as const }));
  const beforeIndex = hostIndex(estate);
  const afterIndex = hostIndex(after);
  // Its connection state is all a rebooting host changes in the copy; its own keys are checked as stored.
  const candidates = scenario.host ? after.hosts.filter((h) => h.rowId === scenario.host) : after.hosts;
  const wouldNotComeBack: LostAfterReboot[] = [];
  for (const host of candidates) {
    const lost = lostAfterReboot(after, host, afterIndex);
    if (lost.diskGroups.length === 0 && lost.vms.length === 0) continue;
    if (!scenario.host) {
      // Only what the scenario adds: a host already losing the same things is not its blast radius.
      const was = lostAfterReboot(estate, beforeIndex.get(host.rowId)!, beforeIndex);
      if (was.diskGroups.length === lost.diskGroups.length && was.vms.length === lost.vms.length) continue;
    }
    wouldNotComeBack.push(lost);
  }
  return { turnsBlocked, blockedTotal: verdicts.filter((v) => v.state !== 'READY').length, wouldNotComeBack };
}
