/**
 * From a validated create request and vCenter's inventory to the campaign's items: each
 * encrypted VM's configuration and each encrypted disk separately, each cluster's vSAN KEK, each
 * host key. Pure. Refuses what would rekey nothing or the wrong thing, with one sentence.
 */
import { CampaignError } from './errors';
import { clusterOfVm, indexInventory, type InventoryIndex, type InventorySnapshot, type InventoryVm, type KeyRef } from './inventory';
import { itemKey, type CreateCampaign, type ItemKind } from './model';

export interface PlannedItem {
  kind: ItemKind;
  itemKey: string;
  entityMoid: string;
  entityName: string;
  diskKey: number | null;
  diskLabel: string | null;
  hostMoid: string | null;
  clusterMoid: string | null;
  position: number;
  currentProviderId: string | null;
  currentKeyId: string | null;
}

function listSome(ids: readonly string[], max = 5): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

/** Every encrypted key a VM uses: its configuration and each encrypted disk. */
export function vmKeys(vm: InventoryVm): KeyRef[] {
  return [vm.configKey, ...vm.disks.map((d) => d.keyId)].filter((k): k is KeyRef => k !== null);
}

/** Source ≠ target, and both known to this vCenter. */
export function checkProviders(input: Pick<CreateCampaign, 'sourceProviderId' | 'targetProviderId'>, index: InventoryIndex): void {
  if (input.sourceProviderId === input.targetProviderId) {
    throw new CampaignError('same-provider', 400, `The source and the target provider are both ${input.sourceProviderId}; a campaign moves keys from one provider to another.`, {
      field: 'targetProviderId',
    });
  }
  for (const [field, id] of [
    ['sourceProviderId', input.sourceProviderId],
    ['targetProviderId', input.targetProviderId],
  ] as const) {
    if (!index.providers.has(id)) {
      const known = [...index.providers.keys()];
      throw new CampaignError('unknown-provider', 400, `vCenter has no key provider called ${id}; it knows ${known.length ? listSome(known) : 'none'}.`, { field });
    }
  }
}

/** Appends the VM's items (configuration, then each encrypted disk by device key) to `out`. */
function addVmItems(out: PlannedItem[], vm: InventoryVm, clusterMoid: string | null): void {
  if (vm.configKey) {
    out.push({
      kind: 'vm-config',
      itemKey: itemKey('vm-config', vm.moid),
      entityMoid: vm.moid,
      entityName: vm.name,
      diskKey: null,
      diskLabel: null,
      hostMoid: vm.hostMoid,
      clusterMoid,
      position: out.length,
      currentProviderId: vm.configKey.providerId,
      currentKeyId: vm.configKey.keyId,
    });
  }
  const disks = vm.disks.length > 1 ? [...vm.disks].sort((a, b) => a.key - b.key) : vm.disks;
  for (const disk of disks) {
    if (!disk.keyId) continue;
    out.push({
      kind: 'vm-disk',
      itemKey: itemKey('vm-disk', vm.moid, disk.key),
      entityMoid: vm.moid,
      entityName: vm.name,
      diskKey: disk.key,
      diskLabel: disk.label,
      hostMoid: vm.hostMoid,
      clusterMoid,
      position: out.length,
      currentProviderId: disk.keyId.providerId,
      currentKeyId: disk.keyId.keyId,
    });
  }
}

function pickVms(input: CreateCampaign, index: InventoryIndex): InventoryVm[] {
  const source = input.sourceProviderId;
  const target = input.targetProviderId;
  if (input.scope.type === 'vms') {
    const ids = [...new Set(input.scope.vmIds)];
    const unknown = ids.filter((id) => !index.vms.has(id));
    if (unknown.length) throw new CampaignError('unknown-vm', 400, `vCenter has no VM ${listSome(unknown)}.`, { field: 'scope.vmIds' });
    const vms = ids.map((id) => index.vms.get(id)!);
    const clear = vms.filter((vm) => vm.configKey === null);
    if (clear.length) {
      throw new CampaignError('vm-not-encrypted', 400, `${listSome(clear.map((v) => `${v.name} (${v.moid})`))} ${clear.length === 1 ? 'is' : 'are'} not encrypted; only encrypted VMs can be rekeyed.`, {
        field: 'scope.vmIds',
      });
    }
    const elsewhere = vms.filter((vm) => !vmKeys(vm).some((k) => k.providerId === source || k.providerId === target));
    if (elsewhere.length) {
      const first = elsewhere[0]!;
      throw new CampaignError(
        'vm-not-on-source',
        400,
        `${listSome(elsewhere.map((v) => v.name))} ${elsewhere.length === 1 ? 'is' : 'are'} encrypted by ${first.configKey?.providerId ?? 'an unknown provider'}, not by the source provider ${source}.`,
        { field: 'scope.vmIds' },
      );
    }
    return input.rekey.vms ? vms : [];
  }
  const clusterIds = [...new Set(input.scope.clusterIds)];
  const unknown = clusterIds.filter((id) => !index.clusters.has(id));
  if (unknown.length) throw new CampaignError('unknown-cluster', 400, `vCenter has no cluster ${listSome(unknown)}.`, { field: 'scope.clusterIds' });
  if (!input.rekey.vms) return [];
  const order = new Map(clusterIds.map((id, i) => [id, i]));
  const picked: { vm: InventoryVm; rank: number }[] = [];
  for (const vm of index.snapshot.vms) {
    const cluster = clusterOfVm(index, vm);
    const rank = cluster === null ? undefined : order.get(cluster);
    if (rank !== undefined && vmKeys(vm).some((k) => k.providerId === source)) picked.push({ vm, rank });
  }
  // Code-point order, not localeCompare: stable across machines and fast for 40,000 names.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return picked.sort((a, b) => a.rank - b.rank || cmp(a.vm.name, b.vm.name) || cmp(a.vm.moid, b.vm.moid)).map((p) => p.vm);
}

/** The items of a new campaign, in execution order. Throws CampaignError when the request cannot be honoured. */
export function planCampaignItems(input: CreateCampaign, snapshot: InventorySnapshot): PlannedItem[] {
  const index = indexInventory(snapshot);
  checkProviders(input, index);
  const items: PlannedItem[] = [];
  for (const vm of pickVms(input, index)) addVmItems(items, vm, clusterOfVm(index, vm));

  if (input.scope.type === 'clusters') {
    const source = input.sourceProviderId;
    for (const clusterId of [...new Set(input.scope.clusterIds)]) {
      const cluster = index.clusters.get(clusterId)!;
      if (input.rekey.vsanKeks && cluster.vsanKek?.providerId === source) {
        items.push({
          kind: 'vsan-kek',
          itemKey: itemKey('vsan-kek', cluster.moid),
          entityMoid: cluster.moid,
          entityName: cluster.name,
          diskKey: null,
          diskLabel: null,
          hostMoid: null,
          clusterMoid: cluster.moid,
          position: items.length,
          currentProviderId: cluster.vsanKek.providerId,
          currentKeyId: cluster.vsanKek.keyId,
        });
      }
      if (!input.rekey.hostKeys) continue;
      for (const hostId of cluster.hostMoids) {
        const host = index.hosts.get(hostId);
        if (!host || host.hostKey?.providerId !== source) continue;
        items.push({
          kind: 'host-key',
          itemKey: itemKey('host-key', host.moid),
          entityMoid: host.moid,
          entityName: host.name,
          diskKey: null,
          diskLabel: null,
          hostMoid: host.moid,
          clusterMoid: cluster.moid,
          position: items.length,
          currentProviderId: host.hostKey.providerId,
          currentKeyId: host.hostKey.keyId,
        });
      }
    }
  }
  if (items.length === 0) {
    const what = [input.rekey.vms && 'encrypted VM', input.rekey.vsanKeks && 'vSAN KEK', input.rekey.hostKeys && 'host key'].filter(Boolean).join(', ') || 'item';
    throw new CampaignError('nothing-to-rekey', 400, `No ${what} in this scope uses the source provider ${input.sourceProviderId}; there is nothing to rekey.`, { field: 'scope' });
  }
  return items;
}
