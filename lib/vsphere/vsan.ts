/**
 * vSAN disk groups of one host through the vSAN VI/JSON endpoint
 * VimClusterVsanVcDiskManagementSystem.QueryDiskMappings: mounted, encryption keys loaded
 * (`unlockedEncrypted`), and the disks of each group.
 */
import { z } from 'zod';
import { moRef, VsanHostDiskMapInfoExSchema, type HostScsiDisk, type VsanHostDiskMapInfoEx } from './schemas';
import type { VimApi } from './vim';

export const VSAN_DISK_MANAGEMENT_SYSTEM = moRef('VimClusterVsanVcDiskManagementSystem', 'vsan-disk-management-system');

export interface VsanDisk {
  canonicalName: string;
  /** vSAN's uuid of the disk, when claimed. */
  vsanUuid: string | null;
  capacityBytes: number | null;
  role: 'cache' | 'capacity';
}

export interface DiskGroup {
  /** vSAN disk-group uuid (the cache disk's vSAN uuid; canonical name if unclaimed). */
  uuid: string;
  mounted: boolean;
  /** vSAN encryption on for this group (from encryptionInfo, or implied by unlockedEncrypted being set). */
  encrypted: boolean;
  /**
   * Whether the group's encryption keys are loaded (unlockedEncrypted). null when the group is not
   * encrypted, and also when it is but vSAN does not say (unlockedEncrypted absent): "unknown",
   * which is not "keys not loaded" — read it together with `encrypted`.
   */
  keysLoaded: boolean | null;
  /** Key provider and cluster KEK id the group is encrypted with, when vSAN reports them. */
  providerId: string | null;
  kekId: string | null;
  disks: VsanDisk[];
}

function toDisk(d: HostScsiDisk, role: VsanDisk['role']): VsanDisk {
  return {
    canonicalName: d.canonicalName,
    vsanUuid: d.vsanDiskInfo?.vsanUuid ?? null,
    capacityBytes: d.capacity ? d.capacity.block * d.capacity.blockSize : null,
    role,
  };
}

export function toDiskGroup(info: VsanHostDiskMapInfoEx): DiskGroup {
  const encrypted = info.encryptionInfo?.encryptionEnabled ?? info.unlockedEncrypted !== undefined;
  const ssd = info.mapping.ssd;
  return {
    uuid: ssd.vsanDiskInfo?.vsanUuid ?? ssd.canonicalName,
    mounted: info.isMounted,
    encrypted,
    keysLoaded: encrypted ? (info.unlockedEncrypted ?? null) : null,
    providerId: info.encryptionInfo?.kmsProviderId?.id ?? null,
    kekId: info.encryptionInfo?.kekId ?? null,
    disks: [toDisk(ssd, 'cache'), ...info.mapping.nonSsd.map((d) => toDisk(d, 'capacity'))],
  };
}

export class VsanApi {
  constructor(private readonly vim: VimApi) {}

  /** Raw VimVsanHostDiskMapInfoEx list of one host. */
  async queryDiskMappings(hostId: string): Promise<VsanHostDiskMapInfoEx[]> {
    const result = await this.vim.invoke(
      VSAN_DISK_MANAGEMENT_SYSTEM,
      'QueryDiskMappings',
      { host: moRef('HostSystem', hostId) },
      z.array(VsanHostDiskMapInfoExSchema).optional().nullable(),
      { allowEmpty: true, pathPrefix: '/vsan' },
    );
    return result ?? [];
  }

  async diskGroups(hostId: string): Promise<DiskGroup[]> {
    return (await this.queryDiskMappings(hostId)).map(toDiskGroup);
  }
}
