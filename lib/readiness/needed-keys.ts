import type { ReadinessInput } from './input';

/** Why a host needs a key after its next reboot. */
export type KeyUse =
  | { kind: 'vsan-kek'; clusterId: string; clusterName: string }
  | { kind: 'host-key'; hostId: string }
  | { kind: 'vm-config'; vmId: string; vmName: string }
  | { kind: 'vm-disk'; vmId: string; vmName: string; diskKey: number; diskLabel: string | null };

export interface NeededKey {
  keyId: string;
  /** null: vCenter did not say which provider holds it — unknown, so it blocks. */
  providerId: string | null;
  uses: KeyUse[];
}

export interface NeededKeys {
  keys: NeededKey[];
  /** Keys the host needs whose id vCenter does not report (e.g. vSAN encryption on, KEK id absent). */
  unknown: string[];
}

export function describeUse(use: KeyUse): string {
  switch (use.kind) {
    case 'vsan-kek':
      return `vSAN KEK of cluster ${use.clusterName}`;
    case 'host-key':
      return 'host key';
    case 'vm-config':
      return `VM ${use.vmName} (configuration)`;
    case 'vm-disk':
      return `VM ${use.vmName} (${use.diskLabel ?? `disk ${use.diskKey}`})`;
  }
}

/**
 * The keys a host must fetch after a reboot: its cluster's vSAN KEK and host key — taken from the
 * cluster's encryption configuration, because the host's own `hostKey` is empty exactly when the host
 * is in trouble — and the configuration and disk keys of every encrypted VM registered on it,
 * powered-off ones included (they are locked at their next power-on otherwise).
 */
export function neededKeys(input: Pick<ReadinessInput, 'host' | 'cluster' | 'vms'>): NeededKeys {
  const byId = new Map<string, NeededKey>();
  const unknown: string[] = [];
  const add = (keyId: string, providerId: string | null, use: KeyUse) => {
    const existing = byId.get(keyId);
    if (existing) {
      existing.uses.push(use);
      existing.providerId ??= providerId;
    } else {
      byId.set(keyId, { keyId, providerId, uses: [use] });
    }
  };
  const { host, cluster } = input;
  if (!host) return { keys: [], unknown: ['the host itself (not found)'] };

  const encryption = cluster?.vsanEncryption;
  if (encryption?.enabled) {
    if (encryption.kekId) add(encryption.kekId, encryption.providerId, { kind: 'vsan-kek', clusterId: cluster!.id, clusterName: cluster!.name });
    else unknown.push(`vSAN KEK id of cluster ${cluster!.name}`);
    if (encryption.hostKeyId) add(encryption.hostKeyId, encryption.providerId, { kind: 'host-key', hostId: host.id });
    else if (host.hostKey) add(host.hostKey.keyId, host.hostKey.providerId, { kind: 'host-key', hostId: host.id });
    else unknown.push(`host key of ${host.name}`);
  } else if (host.hostKey) {
    // Hosts in crypto "safe" state outside encrypted vSAN still need their host key for core dumps.
    add(host.hostKey.keyId, host.hostKey.providerId, { kind: 'host-key', hostId: host.id });
  }

  for (const vm of input.vms) {
    if (vm.hostId !== host.id || vm.cryptoState === null) continue;
    if (vm.keyId) add(vm.keyId.keyId, vm.keyId.providerId, { kind: 'vm-config', vmId: vm.id, vmName: vm.name });
    else unknown.push(`configuration key of encrypted VM ${vm.name}`);
    for (const disk of vm.disks) {
      if (disk.keyId) add(disk.keyId.keyId, disk.keyId.providerId, { kind: 'vm-disk', vmId: vm.id, vmName: vm.name, diskKey: disk.key, diskLabel: disk.label });
    }
  }
  return { keys: [...byId.values()], unknown };
}

/** Providers the host depends on after a reboot, in a stable order. */
export function neededProviderIds(needed: NeededKeys): string[] {
  return [...new Set(needed.keys.map((k) => k.providerId).filter((p): p is string => p !== null))].sort();
}
