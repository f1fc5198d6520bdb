/**
 * Key providers as the lab vCenter reports them: health for the Automation API (vCenter-wide and
 * as seen from one host), KmipClusterInfo / server status for CryptoManagerKmip, and key status
 * for QueryCryptoKeyStatus. Health of the standard provider comes from real TLS handshakes with
 * the lab KMS nodes; key availability from real KMIP reads through the key source.
 */
import type {
  CryptoKeyStatus,
  CryptoManagerKmipClusterStatus,
  HostKmsProviderInfo,
  KmipClusterInfo,
  KmsProviderInfo,
  KmsProviderSummary,
  LocalizableMessage,
  ProviderHealth,
} from '@/lib/vsphere/schemas';
import { moRef } from '@/lib/vsphere/schemas';
import { cryptoKeyId } from './crypto-key-id';
import { vmKeys, type LabModel } from './host-model';
import type { KeySource } from './key-sources/key-source';
import type { KmsConnection, KmsNodeHealth, ProviderHealthSource } from './kms-reachability';
import { VimFault } from './vim-fault';

/** Automation API type of a standard (KMIP) provider; the reference documents only NATIVE / TRUST_AUTHORITY. */
export const STANDARD_PROVIDER_TYPE = 'KMIP';

function message(id: string, text: string, args: string[]): LocalizableMessage {
  return { id, default_message: text, args };
}

export class KeyProviderView {
  constructor(
    private readonly model: LabModel,
    private readonly reachability: ProviderHealthSource,
    private readonly connections: Map<string, KmsConnection>,
    private readonly keySource: KeySource,
    /** NKP's own key id (ListKmipServers keyId / native_info.key_id). */
    private readonly nativeKeyId: string,
    /** Whether a Native Key Provider's keys can be had (the nkp-unavailable fault says no). */
    private readonly nativeAvailable: (providerId: string) => boolean = () => true,
  ) {}

  private provider(providerId: string) {
    const provider = this.model.index.providers.get(providerId);
    if (!provider) throw new VimFault('NotFound', `The provider '${providerId}' does not exist.`, { id: 'com.vmware.vcenter.crypto_manager.kms.provider.not_found' });
    return provider;
  }

  providerIds(): string[] {
    return this.model.estate.providers.map((p) => p.id);
  }

  private healthFromNodes(providerId: string, nodes: KmsNodeHealth[], subject: string): { health: ProviderHealth; details: LocalizableMessage[] } {
    if (nodes.length === 0) {
      return { health: 'ERROR', details: [message('com.vmware.vcenter.crypto_manager.kms.provider.no_servers', `Key provider ${providerId} has no KMS server configured.`, [providerId])] };
    }
    const down = nodes.filter((n) => !n.reachable);
    if (down.length === 0) return { health: 'OK', details: [] };
    const details = down.map((n) =>
      message(
        'com.vmware.vcenter.crypto_manager.kms.server.unreachable',
        `${subject} cannot connect to KMS server ${n.nodeId} (${n.host}:${n.port}) of key provider ${providerId}: ${n.detail ?? 'unreachable'}.`,
        [n.nodeId, `${n.host}:${n.port}`, providerId],
      ),
    );
    if (down.length === nodes.length) {
      details.unshift(message('com.vmware.vcenter.crypto_manager.kms.provider.unreachable', `${subject} cannot reach any server of key provider ${providerId}.`, [providerId]));
      return { health: 'ERROR', details };
    }
    return { health: 'WARNING', details };
  }

  /** Health of a provider as vCenter sees it, or as `hostId` sees it. */
  async health(providerId: string, hostId?: string): Promise<{ health: ProviderHealth; details: LocalizableMessage[] }> {
    const provider = this.provider(providerId);
    if (hostId !== undefined) {
      const host = this.model.host(hostId);
      if (host.phase !== 'up' || host.connectionState !== 'connected') {
        throw new VimFault('HostNotConnected', `Host ${this.model.estateHost(hostId).name} is not connected; its view of key providers is unavailable.`);
      }
    }
    if (provider.type === 'native') {
      if (this.nativeAvailable(providerId)) return { health: 'OK', details: [] };
      return {
        health: 'ERROR',
        details: [message('com.vmware.vcenter.crypto_manager.kms.provider.native.unavailable', `Native key provider ${providerId} is not available: its keys cannot be retrieved.`, [providerId])],
      };
    }
    const subject = hostId === undefined ? 'vCenter Server' : `Host ${this.model.estateHost(hostId).name}`;
    if (hostId !== undefined && this.model.host(hostId).kmsIsolated) {
      return {
        health: 'ERROR',
        details: [message('com.vmware.vcenter.crypto_manager.hosts.kms.provider.unreachable', `${subject} cannot reach any server of key provider ${providerId}.`, [subject, providerId])],
      };
    }
    return this.healthFromNodes(providerId, await this.reachability.nodeHealth(providerId), subject);
  }

  private typeOf(providerId: string): string {
    return this.provider(providerId).type === 'native' ? 'NATIVE' : STANDARD_PROVIDER_TYPE;
  }

  async summaries(hostId?: string): Promise<KmsProviderSummary[]> {
    return Promise.all(
      this.providerIds().map(async (id) => ({ provider: id, type: this.typeOf(id), health: (await this.health(id, hostId)).health })),
    );
  }

  async info(providerId: string): Promise<KmsProviderInfo> {
    const { health, details } = await this.health(providerId);
    const native = this.provider(providerId).type === 'native';
    return {
      health,
      details,
      constraints: { tpm_required: false },
      type: this.typeOf(providerId),
      ...(native ? { native_info: { key_id: this.nativeKeyId } } : {}),
    };
  }

  async hostInfo(hostId: string, providerId: string): Promise<HostKmsProviderInfo> {
    const { health, details } = await this.health(providerId, hostId);
    const native = this.provider(providerId).type === 'native';
    return { health, details, type: this.typeOf(providerId), ...(native ? { native_info: { key_id: this.nativeKeyId } } : {}) };
  }

  kmipClusters(): KmipClusterInfo[] {
    return this.model.estate.providers.map((p): KmipClusterInfo => {
      if (p.type === 'native') {
        return {
          _typeName: 'KmipClusterInfo',
          clusterId: { _typeName: 'KeyProviderId', id: p.id },
          useAsDefault: false,
          managementType: 'nativeProvider',
          hasBackup: true,
          tpmRequired: false,
          keyId: this.nativeKeyId,
        };
      }
      const connection = this.connections.get(p.id);
      return {
        _typeName: 'KmipClusterInfo',
        clusterId: { _typeName: 'KeyProviderId', id: p.id },
        servers: (connection?.nodes ?? []).map((n) => ({
          _typeName: 'KmipServerInfo',
          name: n.id,
          address: n.host,
          port: n.port,
          protocol: 'KMIP1',
          timeout: 10,
        })),
        useAsDefault: true,
        managementType: 'vCenter',
        hasBackup: false,
        tpmRequired: false,
      };
    });
  }

  async kmipStatus(clusterIds: string[]): Promise<CryptoManagerKmipClusterStatus[]> {
    const wanted = clusterIds.length === 0 ? this.providerIds() : clusterIds;
    return Promise.all(
      wanted.map(async (id): Promise<CryptoManagerKmipClusterStatus> => {
        const provider = this.provider(id);
        if (provider.type === 'native') {
          const overallStatus = this.nativeAvailable(id) ? 'green' : 'red';
          return { _typeName: 'CryptoManagerKmipClusterStatus', clusterId: { _typeName: 'KeyProviderId', id }, overallStatus, managementType: 'nativeProvider', servers: [] };
        }
        const nodes = await this.reachability.nodeHealth(id);
        const down = nodes.filter((n) => !n.reachable).length;
        return {
          _typeName: 'CryptoManagerKmipClusterStatus',
          clusterId: { _typeName: 'KeyProviderId', id },
          overallStatus: down === 0 ? 'green' : down === nodes.length ? 'red' : 'yellow',
          managementType: 'vCenter',
          servers: nodes.map((n) => ({
            _typeName: 'CryptoManagerKmipServerStatus',
            name: n.nodeId,
            status: n.reachable ? 'green' : 'red',
            connectionStatus: n.reachable ? 'Connected' : `Cannot connect to the KMS: ${n.detail ?? 'unreachable'}`,
            ...(n.reachable ? { clientTrustServer: true, serverTrustClient: true } : {}),
          })),
        };
      }),
    );
  }

  /** checkKeyBitMap: 1 availability, 2 VMs using the key, 4 hosts using it as host key. */
  async keyStatus(keys: { keyId: string; providerId?: string }[], checkKeyBitMap: number): Promise<CryptoKeyStatus[]> {
    return Promise.all(
      keys.map(async (key): Promise<CryptoKeyStatus> => {
        const providerId = key.providerId ?? this.model.knownKeys.get(key.keyId)?.providerId;
        const status: CryptoKeyStatus = {
          _typeName: 'CryptoManagerKmipCryptoKeyStatus',
          keyId: cryptoKeyId({ keyId: key.keyId, providerId: providerId ?? '' }) as CryptoKeyStatus['keyId'],
        };
        if (!providerId || !this.model.index.providers.has(providerId)) {
          status.keyAvailable = false;
          status.reason = 'KeyStateClusterInvalid';
        } else if (checkKeyBitMap & 1) {
          const report = await this.keySource.keyState(providerId, key.keyId);
          status.keyAvailable = report.state === 'active';
          if (report.state === 'missing') status.reason = 'KeyStateMissingInKMS';
          if (report.state === 'unreachable') status.reason = 'KeyStateClusterUnreachable';
          if (report.state === 'not-active') status.reason = 'KeyStateNotActiveOrEnabled';
        }
        if (checkKeyBitMap & 2) {
          const vms: string[] = [];
          for (const vm of this.model.vms.values()) {
            if (vmKeys(vm).some((k) => k.keyId === key.keyId)) vms.push(vm.id);
          }
          if (vms.length > 0) status.encryptedVMs = vms.map((v) => moRef('VirtualMachine', v));
        }
        if (checkKeyBitMap & 4) {
          const hosts = this.model.estate.clusters
            .filter((c) => c.hostKeyIndex !== null && this.model.estate.keys[c.hostKeyIndex]!.keyId === key.keyId)
            .flatMap((c) => c.hostIds);
          if (hosts.length > 0) status.affectedHosts = hosts.map((h) => moRef('HostSystem', h));
        }
        return status;
      }),
    );
  }
}
