/**
 * CryptoManagerKmip over VI/JSON: registered key providers (KMS clusters and their servers),
 * vCenter's view of KMS server status, and key availability.
 */
import { z } from 'zod';
import { VsphereError, shapeError } from './errors';
import {
  BoxedKmipClusterStatusArraySchema,
  CryptoKeyResultSchema,
  CryptoKeyStatusSchema,
  KmipClusterInfoSchema,
  MoRefSchema,
  type CryptoKeyStatus,
  type CryptoManagerKmipClusterStatus,
  type KmipClusterInfo,
  type MoRef,
} from './schemas';
import { waitForTask, type WaitForTaskOptions } from './tasks';
import type { VimApi } from './vim';

export interface KeyRef {
  keyId: string;
  /** Provider (KMS cluster) id; omit to let vCenter look the key up by id alone. */
  providerId?: string | null;
}

export function cryptoKeyId(key: KeyRef) {
  return {
    _typeName: 'CryptoKeyId' as const,
    keyId: key.keyId,
    ...(key.providerId ? { providerId: { _typeName: 'KeyProviderId' as const, id: key.providerId } } : {}),
  };
}

/** checkKeyBitMap bits of QueryCryptoKeyStatus. */
export const KEY_STATUS_CHECK = { available: 0x01, vms: 0x02, hosts: 0x04, thirdParty: 0x08 } as const;

export class CryptoManagerApi {
  constructor(private readonly vim: VimApi) {}

  private manager(): Promise<MoRef> {
    return this.vim.serviceRef('cryptoManager', 'encryption not supported by this vCenter');
  }

  /** ListKmipServers: every key provider vCenter knows, with its KMIP servers. */
  async listKmipServers(limit?: number): Promise<KmipClusterInfo[]> {
    const cm = await this.manager();
    const result = await this.vim.invoke(cm, 'ListKmipServers', limit === undefined ? {} : { limit }, z.array(KmipClusterInfoSchema).optional().nullable(), {
      allowEmpty: true,
    });
    return result ?? [];
  }

  /** RetrieveKmipServersStatus_Task, awaited: vCenter's own connection status to each KMS server. */
  async retrieveKmipServersStatus(clusters: KmipClusterInfo[], wait: WaitForTaskOptions = {}): Promise<CryptoManagerKmipClusterStatus[]> {
    const cm = await this.manager();
    const task = await this.vim.invoke(cm, 'RetrieveKmipServersStatus_Task', { clusters }, MoRefSchema);
    const info = await waitForTask(this.vim, task, wait);
    if (info.result === undefined) return [];
    const parsed = BoxedKmipClusterStatusArraySchema.safeParse(info.result);
    if (!parsed.success) {
      throw shapeError({ vcenter: this.vim.vcenter, call: `task ${task.value} (${info.descriptionId}) result` }, info.result, parsed.error, {
        basePath: '$.result',
      });
    }
    return parsed.data._value;
  }

  /**
   * GenerateKey: a new key from `providerId` (the first step of a rekey: get the new KEK). A
   * result with success false becomes a fault error carrying vCenter's reason.
   */
  async generateKey(providerId?: string): Promise<KeyRef> {
    const cm = await this.manager();
    const body = providerId ? { keyProvider: { _typeName: 'KeyProviderId', id: providerId } } : {};
    const result = await this.vim.invoke(cm, 'GenerateKey', body, CryptoKeyResultSchema);
    if (!result.success) {
      throw new VsphereError({
        kind: 'fault',
        vcenter: this.vim.vcenter,
        call: this.vim.callLabel(cm, 'GenerateKey'),
        cause: `key provider ${providerId ?? '(default)'} did not generate a key${result.reason ? `: ${result.reason}` : ''}`,
        faultType: result.fault?._typeName,
      });
    }
    return { keyId: result.keyId.keyId, providerId: result.keyId.providerId?.id ?? providerId ?? null };
  }

  /** QueryCryptoKeyStatus for the given keys (default check: availability + VMs using them). */
  async queryCryptoKeyStatus(keys: KeyRef[], checkKeyBitMap: number = KEY_STATUS_CHECK.available | KEY_STATUS_CHECK.vms): Promise<CryptoKeyStatus[]> {
    const cm = await this.manager();
    const result = await this.vim.invoke(
      cm,
      'QueryCryptoKeyStatus',
      { keyIds: keys.map(cryptoKeyId), checkKeyBitMap },
      z.array(CryptoKeyStatusSchema).optional().nullable(),
      { allowEmpty: true },
    );
    return result ?? [];
  }
}
