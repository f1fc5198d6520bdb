/**
 * Ground truth of the lab for GET /lab/state: what each host really holds and mounts, each VM's
 * keys and lock, each KMS node's registered address and measured reachability. Key IDs only;
 * no key material exists in the lab vCenter.
 */
import { VM_LOCK_MESSAGES, type LabModel } from './host-model';
import type { KmsNodeAddress, ProviderHealthSource } from './kms-reachability';
import { applianceAnnotation, guestIpAddress } from './objects/virtual-machine';
import type { TaskManager } from './tasks';

export interface LabStateSources {
  model: LabModel;
  tasks: TaskManager;
  reachability: ProviderHealthSource;
  standardId: string;
  standardNodes: readonly KmsNodeAddress[];
  vcenter: unknown;
  kmsState: unknown;
  /** Whether a Native Key Provider's keys can be had (nkp-unavailable fault). */
  nativeAvailable(providerId: string): boolean;
  includeVms: boolean;
}

export async function buildLabState({ model, tasks, reachability, standardId, standardNodes, vcenter, kmsState, nativeAvailable, includeVms }: LabStateSources) {
  const estate = model.estate;
  const nodeHealth = await reachability.nodeHealth(standardId);
  const kmsNode = (index: number) => standardNodes[index];
  return {
    vcenter,
    providers: estate.providers.map((p) => ({
      id: p.id,
      type: p.type,
      ...(p.type === 'native' ? { available: nativeAvailable(p.id) } : {}),
      nodes: p.id === standardId ? standardNodes.map((n) => ({ ...n, registeredPort: n.port, ...nodeHealth.find((h) => h.nodeId === n.id) })) : [],
    })),
    kms: kmsState,
    /** The first KMS appliance VM on a datastore its own provider encrypts (kms-self-hosted), now and as the lab started. */
    kmsSelfHosted: model.kmsSelfHosted(),
    keys: estate.keys.map((k) => ({ keyId: k.keyId, providerId: k.providerId, purpose: k.purpose, name: k.name })),
    clusters: estate.clusters.map((c) => ({
      id: c.id,
      name: c.name,
      encryption: c.encryption,
      providerId: c.providerId,
      vsanKekId: c.vsanKekIndex === null ? null : estate.keys[c.vsanKekIndex]!.keyId,
      hostKeyId: c.hostKeyIndex === null ? null : estate.keys[c.hostKeyIndex]!.keyId,
      datastoreId: c.datastoreId,
      datastoreCapacityBytes: model.datastoreCapacity(c.datastoreId).capacity,
      hostIds: c.hostIds,
      datastoreIds: model.clusterDatastores(c.id),
    })),
    datastores: estate.datastores.map((d) => {
      const capacity = model.datastoreCapacity(d.id);
      return {
        id: d.id,
        name: d.name,
        type: d.type,
        clusterId: d.clusterId,
        encryptedByProviderId: d.encryptedByProviderId,
        capacityBytes: capacity.capacity,
        accessible: capacity.accessible,
        mounts: model.datastoreMounts(d.id),
      };
    }),
    hosts: estate.hosts.map((h) => {
      const rt = model.host(h.id);
      const required = model.requiredKeys(h.id);
      return {
        id: h.id,
        name: h.name,
        clusterId: h.clusterId,
        phase: rt.phase,
        connectionState: rt.connectionState,
        powerState: rt.powerState,
        inMaintenanceMode: rt.inMaintenanceMode,
        decommissionMode: rt.decommissionMode,
        cryptoState: model.hostCryptoState(h.id),
        diskGroupsMounted: rt.diskGroupsMounted && rt.phase === 'up',
        diskGroupKeysLoaded: model.diskGroupKeysLoaded(h.id),
        kmsIsolated: rt.kmsIsolated,
        keyCache: [...rt.keyCache],
        requiredKeys: { vsanKek: required.vsanKek?.keyId ?? null, hostKey: required.hostKey?.keyId ?? null, vmKeys: required.vmKeys.map((k) => k.keyId) },
        /** Keys the host last failed to fetch, with why (unreachable / missing). */
        keyFailures: Object.fromEntries([...rt.keyFailures].map(([keyId, f]) => [keyId, f])),
        lastKeyError: rt.lastKeyError,
        nextKeyRetryAt: rt.nextKeyRetryAt?.toISOString() ?? null,
        bootCount: rt.bootCount,
        vmIds: [...rt.vmIds],
      };
    }),
    vms: includeVms
      ? [...model.registeredVms()].map((v) => {
          const rt = model.vm(v.id);
          return {
            id: v.id,
            name: v.name,
            hostId: rt.hostId,
            datastoreId: rt.datastoreId,
            vmxPath: model.vmxPathOf(v.id),
            powerState: rt.powerState,
            connectionState: model.vmConnectionState(v.id),
            cryptoState: model.vmCryptoState(v.id),
            lockCause: rt.lock,
            lockReason: rt.lock ? VM_LOCK_MESSAGES[rt.lock] : null,
            /** Disks whose key the host does not hold: the VM cannot power on. */
            missingDiskKeys: model.missingDiskKeys(v.id).map((m) => m.key.keyId),
            configKey: rt.configKey,
            diskKeys: rt.diskKeys,
            needsReload: rt.needsReload,
            haVmMonitoring: model.vmHaMonitored(v.id),
            haOverride: rt.haOverride,
            /** As the lab started, so that a restore can put back what faults changed. */
            atStart: { powerState: v.poweredOn ? 'poweredOn' : 'poweredOff', haVmMonitoring: model.vmHaMonitoredAtStart(v.id) },
            kmsNodeId: v.kmsNodeIndex === null ? null : (standardNodes[v.kmsNodeIndex]?.id ?? null),
            vtpm: v.vtpm,
            ipAddress: guestIpAddress(model, kmsNode, v.id),
            annotation: v.kmsNodeIndex !== null && kmsNode(v.kmsNodeIndex) ? applianceAnnotation(kmsNode(v.kmsNodeIndex)!) : null,
          };
        })
      : null,
    unregisteredVms: [...model.unregistered.values()].map((u) => ({ vmxPath: u.vmxPath, formerId: u.estateVm.id, name: u.estateVm.name })),
    tasks: tasks.summary().slice(-100),
  };
}
