/**
 * Who depends on which key provider and KMS node, from the stored estate: the keys each host needs
 * after a reboot (readiness/needed-keys.ts, the gate's own list) grouped by the provider that holds
 * them. Every node of a provider can serve every key, so a node's dependents are its provider's —
 * except the keys only that node holds Active now (a replication gap), which depend on it alone.
 */
import type { KmsNodeFacts } from '../readiness/input';
import { neededKeys, type NeededKeys } from '../readiness/needed-keys';
import { keyOnNodes } from '../readiness/rules';
import { storedReadinessInput, type StoredEstate, type StoredHost } from '../readiness/stored-estate';
import { hostIndex } from '../readiness/estate-verdicts';

export interface NodeDependents {
  endpoint: string;
  reachable: boolean;
  /** Keys in use that no other reachable node holds Active. */
  soleHolderOf: number;
  /** Hosts needing one of those keys. */
  soleHolderHosts: string[];
}

export interface ProviderDependents {
  id: string;
  kind: string;
  clusters: { id: string; name: string }[];
  hosts: number;
  /** Encrypted vSAN disk groups unlocked by this provider's cluster KEKs. */
  diskGroups: number;
  vms: number;
  keys: number;
  nodes: NodeDependents[];
}

/** The keys a stored host needs after a reboot, as the gate computes them. */
export function hostNeeds(estate: StoredEstate, host: StoredHost, byRowId = hostIndex(estate)): NeededKeys {
  return neededKeys(storedReadinessInput(estate, host, byRowId));
}

export function providerDependents(estate: StoredEstate): ProviderDependents[] {
  const byRowId = hostIndex(estate);
  interface Acc {
    clusters: Map<string, string>;
    hosts: Set<string>;
    diskGroups: number;
    vms: Set<string>;
    keys: Map<string, Set<string>>;
  }
  const acc = new Map<string, Acc>();
  const get = (id: string): Acc => {
    let a = acc.get(id);
    if (!a) {
      a = { clusters: new Map(), hosts: new Set(), diskGroups: 0, vms: new Set(), keys: new Map() };
      acc.set(id, a);
    }
    return a;
  };
  for (const host of estate.hosts) {
    for (const key of hostNeeds(estate, host, byRowId).keys) {
      if (!key.providerId) continue;
      const a = get(key.providerId);
      a.hosts.add(host.rowId);
      const users = a.keys.get(key.keyId) ?? new Set<string>();
      users.add(host.facts.name);
      a.keys.set(key.keyId, users);
      for (const use of key.uses) {
        if (use.kind === 'vsan-kek') {
          a.clusters.set(host.clusterRowId ?? use.clusterId, use.clusterName);
          a.diskGroups += (host.facts.diskGroups ?? []).filter((g) => g.encrypted).length;
        } else if (use.kind === 'vm-config' || use.kind === 'vm-disk') {
          a.vms.add(`${host.vcenterId}:${use.vmId}`);
        }
      }
    }
  }
  const providers = new Map<string, { kind: string; nodes: KmsNodeFacts[] }>();
  for (const vc of estate.vcenters.values()) for (const p of vc.providers) if (!providers.has(p.id)) providers.set(p.id, { kind: p.kind, nodes: p.nodes });
  const ids = [...new Set([...providers.keys(), ...acc.keys()])].sort();
  return ids.map((id) => {
    const a = acc.get(id) ?? get(id);
    const p = providers.get(id);
    const nodes = p?.nodes ?? [];
    return {
      id,
      kind: p?.kind ?? 'unknown',
      clusters: [...a.clusters].map(([cid, name]) => ({ id: cid, name })).sort((x, y) => x.name.localeCompare(y.name)),
      hosts: a.hosts.size,
      diskGroups: a.diskGroups,
      vms: a.vms.size,
      keys: a.keys.size,
      nodes: nodes.map((n) => {
        const sole = [...a.keys].filter(([keyId]) => {
          const { active } = keyOnNodes(nodes, keyId);
          return active.length === 1 && active[0]!.name === n.name;
        });
        return {
          endpoint: n.name,
          reachable: n.reachable,
          soleHolderOf: sole.length,
          soleHolderHosts: [...new Set(sole.flatMap(([, users]) => [...users]))].sort(),
        };
      }),
    };
  });
}
