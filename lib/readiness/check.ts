/**
 * One readiness check of one host: read vCenter live (the host, its cluster peers and its VMs), probe
 * every node of each provider the host needs in one batched KMIP message per node (nodes in parallel),
 * then evaluate the rules. Stored observations are a fallback only — when vCenter cannot be read live —
 * and DATA_FRESH then says how old they are; VC_REACHABLE still fails, so the verdict is BLOCKED.
 */
import type { ClusterFacts, DatastoreFacts, HostAction, HostFacts, KmsNodeFacts, ProviderFacts, ReadinessInput, VmFacts } from './input';
import { neededKeys } from './needed-keys';
import { evaluateReadiness, type ReadinessReport } from './verdict';

export interface HostContext {
  host: HostFacts | null;
  cluster: ClusterFacts | null;
  peers: HostFacts[];
  vms: VmFacts[];
  datastores: DatastoreFacts[];
  readAt: Date;
}

export interface ProviderSnapshot {
  providers: ProviderFacts[];
  errors: { providerId: string; message: string }[];
}

/** Where a check gets its facts; lib/readiness/sources.ts builds the real one (vCenter, KMIP, PostgreSQL). */
export interface ReadinessSources {
  now(): Date;
  freshnessLimitMs: number;
  /** Live read; throws when vCenter cannot be read (the message is shown as VC_REACHABLE's evidence). */
  readHostLive(hostId: string): Promise<HostContext>;
  /** The last poll's view of the same, or null when nothing is stored. */
  readHostStored(hostId: string): Promise<HostContext | null>;
  /** Live KMIP probes of every node of these providers for these keys, plus vCenter's own provider health. */
  probeProviders(keysByProvider: Map<string, string[]>): Promise<ProviderSnapshot>;
  /** VMs that may be KMS appliances for these nodes (matched by address, name or annotation). */
  applianceCandidates(nodes: KmsNodeFacts[]): Promise<VmFacts[]>;
}

export interface CheckResult extends ReadinessReport {
  durationMs: number;
}

/** The keys a host needs, grouped by the provider that must have them. */
export function keysByProvider(ctx: Pick<ReadinessInput, 'host' | 'cluster' | 'vms'>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const key of neededKeys(ctx).keys) {
    if (!key.providerId) continue;
    const list = map.get(key.providerId) ?? [];
    list.push(key.keyId);
    map.set(key.providerId, list);
  }
  return map;
}

export async function checkHostReadiness(sources: ReadinessSources, hostId: string, action: HostAction): Promise<CheckResult> {
  const started = Date.now();
  let context: HostContext | null;
  let vcenter: ReadinessInput['vcenter'];
  try {
    context = await sources.readHostLive(hostId);
    vcenter = { reachable: true, error: null, source: 'live', readAt: context.readAt };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    context = await sources.readHostStored(hostId).catch(() => null);
    vcenter = { reachable: false, error: message, source: 'stored', readAt: context?.readAt ?? null };
  }
  const base = context ?? { host: null, cluster: null, peers: [], vms: [], datastores: [] };
  const probes = await sources.probeProviders(keysByProvider(base));
  const nodes = probes.providers.flatMap((p) => p.nodes);
  const candidateApplianceVms = nodes.length > 0 ? await sources.applianceCandidates(nodes) : [];
  const report = evaluateReadiness({
    action,
    now: sources.now(),
    freshnessLimitMs: sources.freshnessLimitMs,
    vcenter,
    host: base.host,
    cluster: base.cluster,
    peers: base.peers,
    vms: base.vms,
    datastores: base.datastores,
    candidateApplianceVms,
    providers: probes.providers,
    providerErrors: probes.errors,
  });
  return { ...report, durationMs: Date.now() - started };
}
