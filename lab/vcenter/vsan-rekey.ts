/**
 * The lab vCenter's vSAN KEK and host key changes, with the real API shapes
 * (lib/vsphere/vsan-encryption.ts) and their state machine:
 *
 * VsanVcClusterConfigSystem ('vsan-cluster-config-system', served under /vsan)
 * - VsanClusterReconfig with dataEncryptionConfig{encryptionEnabled: true, kmsProviderId}: on an
 *   encrypted cluster a different provider switches it there — a new KEK is created on the new
 *   provider, every host of the cluster fetches it from that provider (hosts fetch their vSAN keys
 *   themselves), then the cluster names the new provider and KEK. Same provider: nothing to do.
 * - VsanEncryptedClusterRekey_Task (shallow): the same with a new KEK from the current provider.
 *   deepRekey is refused (the lab does not rewrite data).
 * - VsanClusterGetConfig: VsanConfigInfoEx with dataEncryptionConfig (`changing` true while a
 *   change is being applied).
 * Refused before a task starts: cluster not encrypted, unknown provider ("The provider '…' does
 * not exist."), encryption off, a change already in progress, a host of the cluster not
 * connected. A host that cannot fetch the new KEK fails the task; the cluster keeps its old KEK.
 *
 * CryptoManagerHostKMS ('crypto-manager-host-<host id>', HostSystem.configManager.cryptoManager)
 * - ChangeKey_Task(newKey): the host must be crypto `safe` (InvalidState otherwise) and the key
 *   known to vCenter (generated with GenerateKey); vCenter hands it to the host, which from then on
 *   holds it as its host key (runtime.cryptoKeyId). A key the provider cannot give fails the task.
 */
import { moRef } from '@/lib/vsphere/schemas';
import { ChangeKeyRequestSchema, VsanClusterGetConfigRequestSchema, VsanClusterReconfigRequestSchema, VsanEncryptedClusterRekeyRequestSchema } from '@/lib/vsphere/vsan-encryption';
import type { LabVcenterContext } from './context';
import type { LabModel } from './host-model';
import type { KeyPurpose } from './estate';
import { defineManagedObject, entityTask, parseBody, requireConnectedHost, type MethodCall } from './objects/managed-object';
import { vsanEncryption } from './objects/vsan-data';
import { VimFault } from './vim-fault';

export const VSAN_CLUSTER_CONFIG = 'vsan-cluster-config-system';
const HOST_CRYPTO_PREFIX = 'crypto-manager-host-';

/** Clusters whose vSAN encryption change is being applied (VsanDataEncryptionConfig.changing). */
const changingClusters = new WeakMap<LabModel, Set<string>>();

export function vsanEncryptionChanging(model: LabModel, clusterId: string): boolean {
  return changingClusters.get(model)?.has(clusterId) ?? false;
}

export function hostCryptoManagerId(hostId: string): string {
  return `${HOST_CRYPTO_PREFIX}${hostId}`;
}

/** A key created on `providerId` and recorded in the estate (as GenerateKey and the estate do). */
async function newEstateKey(ctx: LabVcenterContext, providerId: string, purpose: KeyPurpose, name: string): Promise<number> {
  let keyId: string;
  try {
    keyId = await ctx.keySource.createKey(providerId, name);
  } catch (error) {
    throw new VimFault('SystemError', `Cannot generate a key on key provider ${providerId}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const keys = ctx.model.estate.keys;
  const index = keys.length;
  keys.push({ index, providerId, purpose, name, keyId });
  ctx.model.knownKeys.set(keyId, { keyId, providerId });
  return index;
}

function requireCluster(ctx: LabVcenterContext, clusterId: string) {
  const cluster = ctx.model.index.clusters.get(clusterId);
  if (!cluster) throw VimFault.objectNotFound(moRef('ClusterComputeResource', clusterId));
  return cluster;
}

/** Checks done before a KEK change starts a task; returns the provider the new KEK comes from. */
function checkKekChange(ctx: LabVcenterContext, clusterId: string, requestedProvider: string | null): string {
  const cluster = requireCluster(ctx, clusterId);
  if (!cluster.providerId || cluster.vsanKekIndex === null) {
    throw new VimFault('InvalidState', `vSAN data encryption is not enabled on cluster ${cluster.name}; there is no KEK to rekey.`);
  }
  const providerId = requestedProvider ?? cluster.providerId;
  if (!ctx.model.index.providers.has(providerId)) {
    throw new VimFault('NotFound', `The provider '${providerId}' does not exist.`, { id: 'com.vmware.esx.trusted_infrastructure.kms.providers.not_found' });
  }
  if (vsanEncryptionChanging(ctx.model, clusterId)) throw new VimFault('InvalidState', `A vSAN encryption change of cluster ${cluster.name} is already in progress.`);
  for (const hostId of cluster.hostIds) requireConnectedHost(ctx, hostId);
  return providerId;
}

/** New KEK from `providerId`, fetched by every host of the cluster, then made the cluster's KEK. */
async function replaceKek(ctx: LabVcenterContext, clusterId: string, providerId: string): Promise<void> {
  const model = ctx.model;
  const cluster = requireCluster(ctx, clusterId);
  const set = changingClusters.get(model) ?? new Set<string>();
  changingClusters.set(model, set);
  set.add(clusterId);
  try {
    const index = await newEstateKey(ctx, providerId, 'vsan-kek', `vsan-kek-${cluster.name}-rekey`);
    const kek = model.keyRef(index);
    const failures: string[] = [];
    for (const hostId of cluster.hostIds) {
      const outcome = await model.fetchInto(model.host(hostId), [kek], 'host');
      const reason = outcome.get(kek.keyId);
      if (reason) failures.push(`${model.estateHost(hostId).name}: ${reason.message}`);
    }
    if (failures.length > 0) {
      throw new VimFault('SystemError', `vSAN could not rekey cluster ${cluster.name}: the new KEK from ${providerId} could not be loaded on ${failures.join('; ')}. The cluster keeps its current KEK.`);
    }
    cluster.vsanKekIndex = index;
    cluster.providerId = providerId;
  } finally {
    set.delete(clusterId);
  }
}

function kekTask(call: MethodCall, clusterId: string, name: string, providerId: string) {
  return entityTask(call, moRef('ClusterComputeResource', clusterId), {
    descriptionId: 'com.vmware.vsan.clusterconfig.reconfigure',
    name,
    estimateMs: call.ctx.model.timings.rekeyPerDiskMs,
    run: async () => {
      await replaceKek(call.ctx, clusterId, providerId);
      return undefined;
    },
  });
}

/** A reconfiguration that changes nothing the lab models: vSAN still answers with a task, which succeeds at once. */
function unchanged(call: MethodCall, clusterId: string) {
  return entityTask(call, moRef('ClusterComputeResource', clusterId), { descriptionId: 'com.vmware.vsan.clusterconfig.reconfigure', name: 'VsanClusterReconfig', estimateMs: 0, run: async () => undefined });
}

export const vsanClusterConfigSystem = defineManagedObject({
  type: 'VsanVcClusterConfigSystem',
  exists: (_ctx, id) => id === VSAN_CLUSTER_CONFIG,
  properties: {},
  vsan: true,
  methods: {
    VsanClusterReconfig: (call) => {
      const body = parseBody(call, VsanClusterReconfigRequestSchema);
      const clusterId = body.cluster.value;
      const wanted = body.vsanReconfigSpec.dataEncryptionConfig;
      const cluster = requireCluster(call.ctx, clusterId);
      if (!wanted) return unchanged(call, clusterId);
      if (!wanted.encryptionEnabled) throw new VimFault('NotSupported', `The lab vCenter does not turn vSAN encryption off (cluster ${cluster.name}).`);
      if (!wanted.kmsProviderId) throw new VimFault('InvalidArgument', 'dataEncryptionConfig.kmsProviderId must name a key provider when encryption is enabled.', { invalidProperty: 'kmsProviderId' });
      const providerId = checkKekChange(call.ctx, clusterId, wanted.kmsProviderId.id);
      if (providerId === cluster.providerId) {
        return unchanged(call, clusterId);
      }
      return kekTask(call, clusterId, 'VsanClusterReconfig', providerId);
    },
    VsanEncryptedClusterRekey_Task: (call) => {
      const body = parseBody(call, VsanEncryptedClusterRekeyRequestSchema);
      if (body.deepRekey) throw new VimFault('NotSupported', 'The lab vCenter performs shallow rekeys only (deepRekey rewrites every disk).');
      const clusterId = body.encryptedCluster.value;
      return kekTask(call, clusterId, 'VsanEncryptedClusterRekey_Task', checkKekChange(call.ctx, clusterId, null));
    },
    VsanClusterGetConfig: (call) => {
      const body = parseBody(call, VsanClusterGetConfigRequestSchema);
      requireCluster(call.ctx, body.cluster.value);
      return { _typeName: 'VsanConfigInfoEx', enabled: true, dataEncryptionConfig: vsanEncryption(call.ctx, body.cluster.value) };
    },
  },
});

export const cryptoManagerHostKms = defineManagedObject({
  type: 'CryptoManagerHostKMS',
  exists: (ctx, id) => id.startsWith(HOST_CRYPTO_PREFIX) && ctx.model.index.hosts.has(id.slice(HOST_CRYPTO_PREFIX.length)),
  properties: {
    enabled: (ctx, id) => ctx.model.hostCryptoState(id.slice(HOST_CRYPTO_PREFIX.length)) === 'safe',
  },
  methods: {
    ChangeKey_Task: (call) => {
      const body = parseBody(call, ChangeKeyRequestSchema);
      const model = call.ctx.model;
      const hostId = call.id.slice(HOST_CRYPTO_PREFIX.length);
      const state = model.hostCryptoState(hostId);
      if (state !== 'safe') throw new VimFault('InvalidState', `Host ${model.estateHost(hostId).name} is crypto ${state}, not safe: enable host encryption (CryptoManagerHostEnable) before changing its key.`);
      const known = model.knownKeys.get(body.newKey.keyId.keyId);
      if (!known) throw new VimFault('InvalidArgument', `Key ${body.newKey.keyId.keyId} is not known to vCenter; generate it on a key provider first.`, { invalidProperty: 'newKey.keyId' });
      const named = body.newKey.keyId.providerId?.id;
      if (named && named !== known.providerId) throw new VimFault('InvalidArgument', `Key ${known.keyId} belongs to provider ${known.providerId}, not ${named}.`, { invalidProperty: 'newKey.keyId.providerId' });
      return entityTask(call, moRef('HostSystem', hostId), {
        descriptionId: 'CryptoManagerHost.changeKey',
        name: 'ChangeKey_Task',
        estimateMs: model.timings.rekeyPerDiskMs,
        connectedHost: hostId,
        run: async () => {
          const outcome = await model.fetchInto(model.host(hostId), [known], 'vcenter');
          const reason = outcome.get(known.keyId);
          if (reason) throw new VimFault('SystemError', `Host ${model.estateHost(hostId).name} could not load key ${known.keyId} from ${known.providerId}: ${reason.message}`);
          const index = model.estate.keys.findIndex((k) => k.keyId === known.keyId);
          model.hostKeyOverrides.set(hostId, index >= 0 ? index : recordKnownKey(call.ctx, known.keyId, known.providerId));
          return undefined;
        },
      });
    },
  },
});

/** A key generated through GenerateKey joins the estate's key list when a host starts to use it. */
function recordKnownKey(ctx: LabVcenterContext, keyId: string, providerId: string): number {
  const keys = ctx.model.estate.keys;
  const index = keys.length;
  keys.push({ index, providerId, purpose: 'host-key', name: `host-key-${keyId.slice(0, 8)}`, keyId });
  return index;
}
