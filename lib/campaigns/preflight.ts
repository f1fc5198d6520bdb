/**
 * Pre-flight risks of each item, shown before a campaign starts: what made rekeys fail in the
 * field report (HA VM monitoring, several disks, powered-on VMs) and what else can break one
 * (snapshots, vTPM, a KEK the host would have to fetch, a provider that is not healthy from every
 * host involved — as vCenter sees it per host, and as Keywatch's own KMIP probe sees it). Pure.
 */
import { clusterOfVm, type InventoryIndex } from './inventory';
import type { ItemKind } from './model';

export const RISK_CODES = [
  'NOT_IN_INVENTORY',
  'VM_LOCKED',
  'HA_VM_MONITORING',
  'MULTIPLE_DISKS',
  'POWERED_ON',
  'SNAPSHOTS',
  'VTPM',
  'KEK_NOT_CACHED',
  'SOURCE_PROVIDER_UNHEALTHY',
  'TARGET_PROVIDER_UNHEALTHY',
] as const;
export type RiskCode = (typeof RISK_CODES)[number];
export type RiskSeverity = 'high' | 'medium' | 'low';

export interface PreflightRisk {
  code: RiskCode;
  severity: RiskSeverity;
  message: string;
  /** The host the risk was seen from, for provider-health risks. */
  hostMoid?: string;
}

export interface PreflightItem {
  kind: ItemKind | string;
  entityMoid: string;
  hostMoid: string | null;
  clusterMoid: string | null;
}

export interface CampaignProviders {
  sourceProviderId: string;
  targetProviderId: string;
}

/** Risks of one provider as seen from vCenter, from `hostMoids`, and by Keywatch's probe. */
function providerRisks(index: InventoryIndex, providerId: string, role: 'source' | 'target', hostMoids: readonly string[]): PreflightRisk[] {
  const code: RiskCode = role === 'source' ? 'SOURCE_PROVIDER_UNHEALTHY' : 'TARGET_PROVIDER_UNHEALTHY';
  const risks: PreflightRisk[] = [];
  const provider = index.providers.get(providerId);
  if (!provider) return [{ code, severity: 'high', message: `vCenter no longer knows the ${role} provider ${providerId}.` }];
  if (provider.health === null) {
    risks.push({ code, severity: 'medium', message: `vCenter does not report the health of the ${role} provider ${providerId}.` });
  } else if (provider.health !== 'OK') {
    risks.push({ code, severity: provider.health === 'WARNING' ? 'medium' : 'high', message: `vCenter reports the ${role} provider ${providerId} as ${provider.health}.` });
  }
  for (const hostMoid of hostMoids) {
    const host = index.hosts.get(hostMoid);
    const name = host?.name ?? hostMoid;
    const view = host?.providers?.find((p) => p.providerId === providerId);
    if (!host || host.providers === null) {
      risks.push({ code, severity: 'high', hostMoid, message: `vCenter could not report how host ${name} sees the ${role} provider ${providerId}.` });
    } else if (!view) {
      risks.push({ code, severity: 'high', hostMoid, message: `Host ${name} does not know the ${role} provider ${providerId} (“The provider … does not exist”).` });
    } else if (view.health !== 'OK') {
      const why = view.details[0] ? `: ${view.details[0]}` : '';
      risks.push({ code, severity: view.health === 'WARNING' ? 'medium' : 'high', hostMoid, message: `Host ${name} sees the ${role} provider ${providerId} as ${view.health}${why}.` });
    }
  }
  if (provider.kind !== 'native') {
    if (provider.probe === 'down') risks.push({ code, severity: 'high', message: `No KMS node of the ${role} provider ${providerId} answers Keywatch’s KMIP probe.` });
    else if (provider.probe === 'degraded') risks.push({ code, severity: 'medium', message: `Some KMS nodes of the ${role} provider ${providerId} do not answer Keywatch’s KMIP probe.` });
    else if (provider.probe === null) risks.push({ code, severity: 'low', message: `Keywatch has not probed the ${role} provider ${providerId} over KMIP.` });
  }
  return risks;
}

/** Hosts whose view of the providers matters for this item. */
function hostsInvolved(index: InventoryIndex, item: PreflightItem): string[] {
  if (item.kind === 'vsan-kek') return item.clusterMoid ? (index.clusters.get(item.clusterMoid)?.hostMoids ?? []) : [];
  if (item.kind === 'host-key') return [item.entityMoid];
  const vm = index.vms.get(item.entityMoid);
  const host = vm?.hostMoid ?? item.hostMoid;
  return host ? [host] : [];
}

function vmRisks(index: InventoryIndex, item: PreflightItem): PreflightRisk[] {
  const vm = index.vms.get(item.entityMoid);
  if (!vm) return [{ code: 'NOT_IN_INVENTORY', severity: 'high', message: `VM ${item.entityMoid} is not in vCenter’s inventory any more (removed, or registered again under a new id).` }];
  const risks: PreflightRisk[] = [];
  if (vm.cryptoState === 'locked') risks.push({ code: 'VM_LOCKED', severity: 'high', message: `${vm.name} is locked already: its host lacks a key it needs.` });
  if (vm.haVmMonitoring === true) {
    const cluster = clusterOfVm(index, vm);
    risks.push({
      code: 'HA_VM_MONITORING',
      severity: 'high',
      message: `HA VM monitoring is on for ${vm.name}${cluster ? ` (cluster ${index.clusters.get(cluster)?.name ?? cluster})` : ''}: a slow rekey can be reset half-way. Apply an HA VM override.`,
    });
  }
  const encryptedDisks = vm.disks.filter((d) => d.keyId !== null).length;
  if (encryptedDisks > 1) risks.push({ code: 'MULTIPLE_DISKS', severity: 'medium', message: `${vm.name} has ${encryptedDisks} encrypted disks; multi-disk VMs fail more often.` });
  if (vm.powerState === 'poweredOn') risks.push({ code: 'POWERED_ON', severity: 'medium', message: `${vm.name} is powered on; some vCenter builds refuse a shallow rekey of a running VM.` });
  if (vm.snapshotCount !== null && vm.snapshotCount > 0) {
    risks.push({ code: 'SNAPSHOTS', severity: 'medium', message: `${vm.name} has ${vm.snapshotCount} snapshot${vm.snapshotCount === 1 ? '' : 's'}; their disks are keyed too. Consolidate first where possible.` });
  }
  if (vm.hasVtpm === true) risks.push({ code: 'VTPM', severity: 'medium', message: `${vm.name} has a vTPM whose secrets live in the encrypted NVRAM; back it up before the rekey.` });
  if (vm.kekCachedOnHost === false) {
    risks.push({ code: 'KEK_NOT_CACHED', severity: 'high', message: `The KEK of ${vm.name} is not cached on its host; the host must fetch it from the source provider during the rekey.` });
  }
  return risks;
}

/** Risks of one item. Provider checks are per (provider, host) and memoised in `cache` across items. */
export function itemRisks(index: InventoryIndex, item: PreflightItem, providers: CampaignProviders, cache = new Map<string, PreflightRisk[]>()): PreflightRisk[] {
  const own = item.kind === 'vm-config' || item.kind === 'vm-disk' ? vmRisks(index, item) : [];
  const hosts = hostsInvolved(index, item);
  const cached = (providerId: string, role: 'source' | 'target') => {
    const key = `${role}|${hosts.join(',')}`;
    let risks = cache.get(key);
    if (!risks) {
      risks = providerRisks(index, providerId, role, hosts);
      cache.set(key, risks);
    }
    return risks;
  };
  return [...own, ...cached(providers.sourceProviderId, 'source'), ...cached(providers.targetProviderId, 'target')];
}

export interface RiskSummary {
  /** Items with at least one risk of each code. */
  byCode: Partial<Record<RiskCode, number>>;
  itemsWithHighRisk: number;
}

export function summarizeRisks(perItem: readonly (readonly PreflightRisk[])[]): RiskSummary {
  const byCode: Partial<Record<RiskCode, number>> = {};
  let itemsWithHighRisk = 0;
  for (const risks of perItem) {
    for (const code of new Set(risks.map((r) => r.code))) byCode[code] = (byCode[code] ?? 0) + 1;
    if (risks.some((r) => r.severity === 'high')) itemsWithHighRisk += 1;
  }
  return { byCode, itemsWithHighRisk };
}
