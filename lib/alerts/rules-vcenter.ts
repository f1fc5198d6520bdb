/**
 * Alerts raised from one vCenter's stored observations: disk groups unmounted or without keys,
 * locked VMs, hosts whose crypto state is not safe, hosts that cannot reach a key provider, and
 * KMS VMs living on the storage they unlock. Pure: the rows in, the conditions out.
 */
import { hostProviderRowId, rowId, type Row, type VcenterRows } from '../observations/vcenter-rows';
import type { VcCluster, VcDiskGroup, VcHost, VcVm } from '../db/generated/client';
import { parseJsonArray, parseJsonList } from '../observations/json-columns';
import { steps, type AlertCondition } from './catalog';
import type { ProviderKmsFacts } from './facts';

export interface VcenterAlertInput {
  vcenterId: string;
  vcenterName: string;
  rows: VcenterRows;
  /** Keywatch's own view of each provider's KMS nodes, by vCenter provider id. */
  kms: Map<string, ProviderKmsFacts>;
}

const NEVER_SELF_HOST = 'Never move a KMS VM onto the encrypted datastore it unlocks: after a cluster-wide power event nothing could start.';

/** Sentences on why a host may lack keys of `providerId`: its own view, Keywatch's view, vCenter's key status. */
function keyPathFacts(input: VcenterAlertInput, host: Row<VcHost>, providerId: string | null, keyId: string | null): string {
  if (!providerId) return '';
  const out: string[] = [];
  const view = input.rows.hostProviderHealth.get(hostProviderRowId(host.id, providerId));
  const detail = view ? parseJsonList(view.details)[0] : undefined;
  if (view?.health === 'ERROR') out.push(`Host ${host.name} reports key provider ${providerId} as ERROR${detail ? ` (${detail})` : ''}: it cannot reach the KMS.`);
  else if (view?.health === 'WARNING') out.push(`Host ${host.name} reports key provider ${providerId} as WARNING${detail ? ` (${detail})` : ''}.`);
  const kms = input.kms.get(providerId);
  if (kms && kms.nodesTotal > 0) {
    if (kms.nodesDown === kms.nodesTotal) out.push(`Keywatch cannot reach any of ${providerId}'s ${kms.nodesTotal} KMS nodes either${kms.firstError ? ` (${kms.firstError})` : ''}.`);
    else if (kms.nodesDown > 0) out.push(`${kms.nodesDown} of ${providerId}'s ${kms.nodesTotal} KMS nodes do not answer Keywatch.`);
    else if (view?.health === 'ERROR') out.push(`The KMS nodes answer Keywatch, so the fault is on the path from this host to the KMS (network, firewall, or the KMS no longer trusting vCenter).`);
  }
  const key = keyId ? input.rows.keys.get(rowId(input.vcenterId, keyId)) : undefined;
  if (key?.available === false && key.reason) out.push(`vCenter reports key ${keyId} unavailable (${key.reason}).`);
  return out.length ? ` ${out.join(' ')}` : '';
}

function clusterOf(input: VcenterAlertInput, host: Row<VcHost>): Row<VcCluster> | undefined {
  return host.clusterId ? input.rows.clusters.get(host.clusterId) : undefined;
}

function diskGroupName(host: Row<VcHost>, dg: Row<VcDiskGroup>): string {
  return `disk group ${dg.uuid} on ${host.name}`;
}

function diskGroupConditions(input: VcenterAlertInput): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const dg of input.rows.diskGroups.values()) {
    const host = input.rows.hosts.get(dg.hostId);
    // A host vCenter cannot reach reports nothing current about its disks; VCENTER / host state alerts cover it.
    if (!host || host.connectionState !== 'connected') continue;
    const cluster = clusterOf(input, host);
    const providerId = dg.providerId ?? cluster?.vsanProviderId ?? null;
    const kekId = dg.kekId ?? cluster?.vsanKekId ?? null;
    const clusterName = cluster?.name ?? 'its cluster';
    const facts = keyPathFacts(input, host, providerId, kekId);
    const details = { vcenter: input.vcenterName, host: host.name, hostId: host.id, cluster: cluster?.name ?? null, diskGroup: dg.uuid, providerId, kekId, mounted: dg.mounted, keysLoaded: dg.keysLoaded };
    const restore = `Restore KMS connectivity from host ${host.name}: ${providerId ?? 'the key provider'}'s KMS nodes must be running and listening on the address and port registered in vCenter (Key Providers), and reachable from the host (firewall, routing, DNS; TCP 5696 by default).`;
    const verifyKey = `Check in Keywatch (Key providers → ${providerId ?? 'the provider'}) that the KEK ${kekId ?? 'of the cluster'} is present and Active on every node.`;
    const selfRetry = `${host.name} retries fetching the KEK by itself (every 30 s on ESXi by default) and mounts the disk group when it gets it: once the KMS answers again this alert resolves on its own within that interval, with no remount needed.`;
    const investigate = `If it is still open after that, investigate the host's own KMS connectivity (vCenter → ${host.name} → Configure → Key Management Servers / the provider's health for this host; firewall, routing and DNS from the host's management network to TCP 5696), then remount the disk group (vSAN → Disk Management, or "esxcli vsan storage diskgroup mount") or reboot the host again: it fetches the KEK at boot.`;
    const holdOthers = `Do not reboot or put other hosts of ${clusterName} into maintenance until ${host.name} has mounted its disk groups: each would lose its keys the same way.`;
    if (!dg.mounted) {
      const keyReason =
        dg.encrypted && dg.keysLoaded === false
          ? ` Its encryption key is not loaded: ESXi keeps keys in memory only, so after a reboot the host must fetch the vSAN KEK (${kekId ?? 'unknown id'}) of ${clusterName} from the KMS itself, and it has not got it.`
          : dg.encrypted
            ? ` The disk group is encrypted${dg.keysLoaded === null ? ' and vSAN does not say whether its keys are loaded' : ''}.`
            : ' The disk group is not encrypted, so this is not a key problem: check the disks and vSAN health.';
      out.push({
        kind: 'DISK_GROUP_UNMOUNTED',
        severity: 'critical',
        entityType: 'diskGroup',
        entityId: dg.id,
        entityName: diskGroupName(host, dg),
        targetId: input.vcenterId,
        title: `vSAN disk group unmounted on ${host.name}`,
        cause: `vSAN reports ${diskGroupName(host, dg)} as not mounted: the host contributes no capacity to the vSAN datastore of ${clusterName}.${keyReason}${dg.encrypted ? facts : ''}`,
        runbook: dg.encrypted
          ? steps(restore, verifyKey, selfRetry, investigate, holdOthers, NEVER_SELF_HOST)
          : steps(`Check the disks of ${diskGroupName(host, dg)} and vSAN health for ${host.name}.`, 'Remount the disk group once the disks are healthy.', holdOthers),
        details,
      });
    }
    if (dg.encrypted && dg.keysLoaded === false) {
      out.push({
        kind: 'DISK_GROUP_KEYS_NOT_LOADED',
        severity: 'critical',
        entityType: 'diskGroup',
        entityId: dg.id,
        entityName: diskGroupName(host, dg),
        targetId: input.vcenterId,
        title: `vSAN encryption keys not loaded on ${host.name}`,
        cause: `${host.name} holds no vSAN KEK (${kekId ?? 'unknown id'}) for ${diskGroupName(host, dg)}: ESXi keeps keys in memory only and fetches the KEK from the KMS directly at boot, so a reboot while the KMS was unreachable leaves the disk group locked.${facts}`,
        runbook: steps(restore, verifyKey, selfRetry, investigate, holdOthers, NEVER_SELF_HOST),
        details,
      });
    }
  }
  return out;
}

function vmConditions(input: VcenterAlertInput): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const vm of input.rows.vms.values()) {
    if (vm.cryptoState !== 'locked') continue;
    const host = vm.hostId ? input.rows.hosts.get(vm.hostId) : undefined;
    const hostName = host?.name ?? 'its host';
    const facts = host ? keyPathFacts(input, host, vm.keyProviderId, vm.keyId) : '';
    out.push({
      kind: 'VM_LOCKED',
      severity: 'critical',
      entityType: 'vm',
      entityId: vm.id,
      entityName: vm.name,
      targetId: input.vcenterId,
      title: `Encrypted VM ${vm.name} is locked`,
      cause: `VM ${vm.name} is locked: ${hostName} does not hold its key (KEK ${vm.keyId ?? 'unknown'} from provider ${vm.keyProviderId ?? 'unknown'}), which it gets through vCenter from the KMS when the VM is powered on or registered.${facts}`,
      runbook: steps(
        `Restore the key path: ${vm.keyProviderId ?? 'the key provider'} reachable from vCenter and from ${hostName}, and KEK ${vm.keyId ?? 'of the VM'} present and Active on the KMS (Key providers in Keywatch).`,
        `A locked VM does not unlock by itself when the KMS is back: unlock it with Unlock on this alert, or Unlock all locked VMs on ${hostName} (one at a time, each verified before the next). Keywatch first checks through KMIP that the VM's keys can be had, then runs CryptoUnlock_Task.`,
        `Without Keywatch: reload its configuration ("vim-cmd vmsvc/reload <vmid>" on the host keeps its history) or unregister and re-register it (loses its vCenter history).`,
        `If it locked during a rekey after an HA VM-monitoring reset ("Cannot decrypt disk because key or password is incorrect"), reload the VMX as above, and set an HA VM-monitoring override for the VMs being migrated.`,
      ),
      details: { vcenter: input.vcenterName, vm: vm.name, host: host?.name ?? null, hostId: host?.id ?? null, keyId: vm.keyId, providerId: vm.keyProviderId, powerState: vm.powerState },
    });
  }
  return out;
}

function hostConditions(input: VcenterAlertInput): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const host of input.rows.hosts.values()) {
    if (host.connectionState !== 'connected') continue;
    const cluster = clusterOf(input, host);
    const providerId = host.hostKeyProviderId ?? cluster?.vsanProviderId ?? null;
    if (host.cryptoState === 'prepared' || host.cryptoState === 'pendingIncapable') {
      out.push({
        kind: 'HOST_CRYPTO_NOT_SAFE',
        severity: 'warning',
        entityType: 'host',
        entityId: host.id,
        entityName: host.name,
        targetId: input.vcenterId,
        title: `Host ${host.name} crypto state is ${host.cryptoState}, not safe`,
        cause:
          host.cryptoState === 'prepared'
            ? `${host.name} is prepared for encryption but holds no host key${cluster?.hostKeyId ? ` (${cluster.hostKeyId})` : ''}, typically after a reboot while the KMS was unreachable: it cannot run or register encrypted VMs and its core dumps are not encrypted.${keyPathFacts(input, host, providerId, cluster?.hostKeyId ?? null)}`
            : `${host.name} is leaving the crypto-safe state (pendingIncapable): encryption is being disabled on it.`,
        runbook: steps(
          `Restore KMS connectivity from ${host.name} (key provider ${providerId ?? 'of the cluster'}).`,
          `The host retries fetching its host key by itself once the provider answers (about every 30 s) and vCenter shows crypto state "safe" again; if it does not, investigate its KMS connectivity and reboot it.`,
          `Until then do not move encrypted VMs to ${host.name}.`,
        ),
        details: { vcenter: input.vcenterName, host: host.name, hostId: host.id, cryptoState: host.cryptoState, hostKeyId: host.hostKeyId },
      });
    }
  }
  const providerKinds = new Map([...input.rows.keyProviders.values()].map((p) => [p.providerId, p.kind]));
  for (const view of input.rows.hostProviderHealth.values()) {
    if (view.health !== 'ERROR') continue;
    const host = input.rows.hosts.get(view.hostId);
    if (!host || host.connectionState !== 'connected') continue;
    const detail = parseJsonList(view.details)[0];
    const text = providerKinds.get(view.providerId) === 'native' ? nativeProviderText(host.name, view.providerId, detail) : standardProviderText(host.name, view.providerId, detail, input.kms.get(view.providerId));
    out.push({
      kind: 'HOST_KMS_UNREACHABLE',
      severity: 'warning',
      entityType: 'hostProvider',
      entityId: view.id,
      entityName: `${host.name} → ${view.providerId}`,
      targetId: input.vcenterId,
      ...text,
      details: { vcenter: input.vcenterName, host: host.name, hostId: host.id, providerId: view.providerId, health: view.health, details: parseJsonList(view.details) },
    });
  }
  return out;
}

type ProviderAlertText = Pick<AlertCondition, 'title' | 'cause' | 'runbook'>;
const RESOLVES_WHEN_OK = 'The alert resolves when vCenter reports the provider OK for this host.';

function standardProviderText(hostName: string, providerId: string, detail: string | undefined, kms: ProviderKmsFacts | undefined): ProviderAlertText {
  const probe =
    kms && kms.nodesTotal > 0
      ? kms.nodesDown === kms.nodesTotal
        ? ' Keywatch cannot reach any of its KMS nodes either.'
        : kms.nodesDown > 0
          ? ` ${kms.nodesDown} of its ${kms.nodesTotal} KMS nodes do not answer Keywatch either.`
          : ' Its KMS nodes answer Keywatch, so the fault is on the path from this host.'
      : '';
  return {
    title: `${hostName} cannot reach key provider ${providerId}`,
    cause: `vCenter reports key provider ${providerId} as ERROR from ${hostName}${detail ? `: ${detail}` : ''}.${probe} Running workloads are not affected yet: the host keeps its keys in memory.`,
    runbook: steps(
      `Do not reboot ${hostName} or put it into maintenance mode until this clears: after a reboot it could not fetch its keys, its vSAN disk groups would stay unmounted and its encrypted VMs locked.`,
      `Check the path from ${hostName} to ${providerId}'s KMS nodes (firewall on TCP 5696, routing, the addresses and ports registered in vCenter) and that the KMS still trusts vCenter's client certificate.`,
      RESOLVES_WHEN_OK,
    ),
  };
}

/**
 * A native key provider has no KMS nodes and no network path to check: vCenter hands the
 * provider's key to the hosts itself, so ERROR means this host does not hold it or may not use it.
 */
function nativeProviderText(hostName: string, providerId: string, detail: string | undefined): ProviderAlertText {
  return {
    title: `${hostName} cannot use native key provider ${providerId}`,
    cause: `vCenter reports native key provider ${providerId} as ERROR on ${hostName}${detail ? `: ${detail}` : ''}. The host does not hold the provider's key or may not use it — typically the provider has not been backed up yet (vCenter keeps it inactive until then), it is restricted to TPM-protected hosts and ${hostName} has no TPM 2.0, or the host joined after the key was distributed. Running workloads are not affected yet.`,
    runbook: steps(
      `Before rebooting ${hostName} or putting it into maintenance mode, run its readiness check: whatever it needs from ${providerId} (its VMs' keys, its cluster's vSAN KEK, its host key) could not be unlocked after a reboot.`,
      `In vCenter, Configure → Security → Key Providers: check ${providerId}'s status, back it up if vCenter asks for it, and whether it is limited to TPM-protected hosts.`,
      RESOLVES_WHEN_OK,
    ),
  };
}

interface KmsServer {
  name: string;
  address: string;
  port: number;
}

/** Which registered KMS server a VM is, if any: by name, guest IP or an annotation naming its address. */
function kmsServerOf(vm: Row<VcVm>, servers: readonly KmsServer[]): { server: KmsServer; how: string } | null {
  for (const s of servers) {
    if (vm.name === s.name) return { server: s, how: `its name is ${s.name}` };
    if (vm.ipAddress && vm.ipAddress === s.address && !/^(127\.|::1$)/.test(s.address)) return { server: s, how: `its guest IP is ${s.address}` };
    if (vm.annotation?.includes(`${s.address}:${s.port}`)) return { server: s, how: `its annotation names ${s.address}:${s.port}` };
  }
  return null;
}

function selfHostedConditions(input: VcenterAlertInput): AlertCondition[] {
  const out: AlertCondition[] = [];
  const { rows } = input;
  // The vSAN datastore a cluster encrypts: from datastore mounts when vCenter reports them, else the
  // vsan-type datastores a VM of that cluster uses (a vSAN datastore belongs to one cluster).
  const clusterOfDatastore = new Map<string, string>();
  for (const m of rows.datastoreMounts.values()) if (m.entityType === 'cluster') clusterOfDatastore.set(m.datastoreId, m.entityId);
  for (const provider of rows.keyProviders.values()) {
    if (provider.kind !== 'standard') continue;
    const servers = parseJsonArray<KmsServer>(provider.servers);
    if (servers.length === 0) continue;
    for (const vm of rows.vms.values()) {
      const match = kmsServerOf(vm, servers);
      if (!match) continue;
      const host = vm.hostId ? rows.hosts.get(vm.hostId) : undefined;
      const hostCluster = host ? clusterOf(input, host) : undefined;
      let reason: string | null = null;
      if (vm.keyProviderId === provider.providerId) reason = `the VM itself is encrypted with a key from ${provider.providerId}`;
      for (const dsId of parseJsonList(vm.datastoreIds)) {
        if (reason) break;
        const ds = rows.datastores.get(dsId);
        if (!ds || ds.type?.toLowerCase() !== 'vsan') continue;
        const clusterId = clusterOfDatastore.get(dsId) ?? hostCluster?.id;
        const cluster = clusterId ? rows.clusters.get(clusterId) : undefined;
        if (cluster?.vsanEncryption && cluster.vsanProviderId === provider.providerId) reason = `it lives on datastore ${ds.name}, the vSAN datastore of ${cluster.name}, which ${provider.providerId} encrypts`;
      }
      if (!reason) continue;
      out.push({
        kind: 'KMS_SELF_HOSTED',
        severity: 'critical',
        entityType: 'vm',
        entityId: vm.id,
        entityName: vm.name,
        targetId: input.vcenterId,
        title: `KMS node VM ${vm.name} depends on the keys it serves`,
        cause: `VM ${vm.name} looks like KMS node ${match.server.name} of ${provider.providerId} (${match.how}), and ${reason}. After a cluster-wide power event that KMS cannot start, because its own storage needs its keys: the key is locked inside the room it opens.`,
        runbook: steps(
          `Move VM ${vm.name} (Storage vMotion) to a datastore ${provider.providerId} does not encrypt, ideally outside ${hostCluster?.name ?? 'the clusters it protects'}, and do not encrypt it with its own provider.`,
          'Keep at least one KMS node of every cluster outside the vSAN clusters that provider encrypts.',
        ),
        details: { vcenter: input.vcenterName, vm: vm.name, hostId: vm.hostId, providerId: provider.providerId, server: match.server },
      });
    }
  }
  return out;
}

export function vcenterConditions(input: VcenterAlertInput): AlertCondition[] {
  return [...diskGroupConditions(input), ...vmConditions(input), ...hostConditions(input), ...selfHostedConditions(input)];
}

