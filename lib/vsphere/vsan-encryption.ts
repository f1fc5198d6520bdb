/**
 * Rekeying a vSAN cluster's KEK and a host's host key, with the request shapes of the real APIs
 * (vSAN Management API / VI/JSON, vSphere 8.0U3):
 * - VsanVcClusterConfigSystem ('vsan-cluster-config-system', under /vsan):
 *   VsanClusterReconfig(cluster, vsanReconfigSpec: VimVsanReconfigSpec{dataEncryptionConfig:
 *   VsanDataEncryptionConfig{encryptionEnabled: true, kmsProviderId}}) — "when it is already an
 *   encrypted vSAN cluster and a different kmsProviderId is provided, it will switch to the new KMS
 *   cluster" (a shallow rekey: new KEK from the new provider, DEKs rewrapped);
 *   VsanEncryptedClusterRekey_Task(encryptedCluster, deepRekey, allowReducedRedundancy) — a new KEK
 *   from the same provider; VsanClusterGetConfig(cluster) → VsanConfigInfoEx to verify.
 * - CryptoManagerHostKMS (HostSystem.configManager.cryptoManager): ChangeKey_Task(newKey:
 *   CryptoKeyPlain) — the host's host key (core dump encryption), host in crypto state `safe`;
 *   the new key is generated on the target provider first (CryptoManagerKmip.GenerateKey).
 *   keyData is left empty: the key is named by id and vCenter, the hosts' key broker for a
 *   standard provider, hands the material to the host (see LAB_MISMATCHES.md).
 * All three return vim Task references, followed with waitForTask.
 */
import { z } from 'zod';
import { cryptoKeyId, type KeyRef } from './crypto-manager';
import { VsphereError } from './errors';
import { CryptoKeyIdSchema, KeyProviderIdSchema, moRef, MoRefSchema, VsanClusterConfigInfoSchema, type MoRef } from './schemas';
import type { VimApi } from './vim';

export const VSAN_CLUSTER_CONFIG_SYSTEM = moRef('VsanVcClusterConfigSystem', 'vsan-cluster-config-system');

export const VsanClusterReconfigRequestSchema = z.object({
  cluster: MoRefSchema,
  vsanReconfigSpec: z.object({
    _typeName: z.literal('VimVsanReconfigSpec').optional(),
    dataEncryptionConfig: z
      .object({
        _typeName: z.literal('VsanDataEncryptionConfig').optional(),
        encryptionEnabled: z.boolean(),
        kmsProviderId: KeyProviderIdSchema.optional(),
        eraseDisksBeforeUse: z.boolean().optional(),
      })
      .optional(),
    allowReducedRedundancy: z.boolean().optional(),
  }),
});
export const VsanEncryptedClusterRekeyRequestSchema = z.object({
  encryptedCluster: MoRefSchema,
  deepRekey: z.boolean().optional(),
  allowReducedRedundancy: z.boolean().optional(),
});
export const VsanClusterGetConfigRequestSchema = z.object({ cluster: MoRefSchema });
export const ChangeKeyRequestSchema = z.object({
  newKey: z.object({ _typeName: z.literal('CryptoKeyPlain').optional(), keyId: CryptoKeyIdSchema, algorithm: z.string(), keyData: z.string() }),
});

const HostConfigManagerSchema = z.object({ cryptoManager: MoRefSchema.optional() }).loose();
const HostRuntimeKeySchema = z.object({ cryptoState: z.string().optional(), cryptoKeyId: CryptoKeyIdSchema.optional() }).loose();

export interface VsanEncryptionState {
  enabled: boolean;
  providerId: string | null;
  kekId: string | null;
  hostKeyId: string | null;
  /** vSAN is still applying the last change to the cluster's hosts. */
  changing: boolean;
}

export interface HostKeyState {
  /** incapable | prepared | safe | pendingIncapable; null when not reported. */
  cryptoState: string | null;
  /** runtime.cryptoKeyId: the host key loaded now. */
  hostKey: { keyId: string; providerId: string | null } | null;
}

export class VsanEncryptionOperations {
  constructor(private readonly vim: VimApi) {}

  /** VsanClusterReconfig switching an encrypted cluster to `providerId` (a new KEK from it). */
  changeKeyProvider(clusterId: string, providerId: string): Promise<MoRef> {
    return this.vim.invoke(
      VSAN_CLUSTER_CONFIG_SYSTEM,
      'VsanClusterReconfig',
      {
        cluster: moRef('ClusterComputeResource', clusterId),
        vsanReconfigSpec: {
          _typeName: 'VimVsanReconfigSpec',
          dataEncryptionConfig: { _typeName: 'VsanDataEncryptionConfig', encryptionEnabled: true, kmsProviderId: { _typeName: 'KeyProviderId', id: providerId } },
        },
      },
      MoRefSchema,
      { pathPrefix: '/vsan' },
    );
  }

  /** VsanEncryptedClusterRekey_Task, shallow: a new KEK from the cluster's provider, data untouched. */
  shallowRekey(clusterId: string): Promise<MoRef> {
    return this.vim.invoke(
      VSAN_CLUSTER_CONFIG_SYSTEM,
      'VsanEncryptedClusterRekey_Task',
      { encryptedCluster: moRef('ClusterComputeResource', clusterId), deepRekey: false },
      MoRefSchema,
      { pathPrefix: '/vsan' },
    );
  }

  /** VsanClusterGetConfig: the cluster's vSAN data encryption as vSAN reports it now. */
  async clusterEncryption(clusterId: string): Promise<VsanEncryptionState> {
    const info = await this.vim.invoke(VSAN_CLUSTER_CONFIG_SYSTEM, 'VsanClusterGetConfig', { cluster: moRef('ClusterComputeResource', clusterId) }, VsanClusterConfigInfoSchema, {
      pathPrefix: '/vsan',
    });
    const enc = info.dataEncryptionConfig;
    return {
      enabled: enc?.encryptionEnabled ?? false,
      providerId: enc?.kmsProviderId?.id ?? null,
      kekId: enc?.kekId ?? null,
      hostKeyId: enc?.hostKeyId ?? null,
      changing: enc?.changing ?? false,
    };
  }

  /** ChangeKey_Task on the host's CryptoManagerHostKMS with a key already generated on the target provider. */
  async changeHostKey(hostId: string, newKey: KeyRef): Promise<MoRef> {
    const config = await this.vim.getProperty(moRef('HostSystem', hostId), 'configManager', HostConfigManagerSchema);
    if (!config.cryptoManager) {
      throw new VsphereError({
        kind: 'shape',
        vcenter: this.vim.vcenter,
        call: `GET HostSystem/${hostId}/configManager`,
        cause: `host ${hostId} has no crypto manager (configManager.cryptoManager unset), so it cannot hold a host key`,
        field: 'cryptoManager',
      });
    }
    return this.vim.invoke(config.cryptoManager, 'ChangeKey_Task', { newKey: { _typeName: 'CryptoKeyPlain', keyId: cryptoKeyId(newKey), algorithm: '', keyData: '' } }, MoRefSchema);
  }

  /** The host's crypto state and the host key it holds now (runtime). */
  async hostKey(hostId: string): Promise<HostKeyState> {
    const runtime = await this.vim.getProperty(moRef('HostSystem', hostId), 'runtime', HostRuntimeKeySchema);
    return {
      cryptoState: runtime.cryptoState ?? null,
      hostKey: runtime.cryptoKeyId ? { keyId: runtime.cryptoKeyId.keyId, providerId: runtime.cryptoKeyId.providerId?.id ?? null } : null,
    };
  }
}
