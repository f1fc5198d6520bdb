/**
 * vSAN data objects the lab renders in several places: a disk group's mapping (HostVsanSystem and
 * the vSAN disk-management system), a host's VimVsanHostDiskMapInfoEx list, and a cluster's
 * VsanDataEncryptionConfig (ids only, never key material).
 */
import type { LabVcenterContext } from '../context';
import { vsanEncryptionChanging } from '../vsan-rekey';

/** One disk group as vSAN describes it. */
export function diskMapping(ctx: LabVcenterContext, hostId: string, groupIndex: number): unknown {
  const group = ctx.model.estateHost(hostId).diskGroups[groupIndex]!;
  const disk = (d: typeof group.cache) => ({
    _typeName: 'HostScsiDisk',
    canonicalName: d.canonicalName,
    uuid: `0100000000${Buffer.from(d.canonicalName).toString('hex').slice(0, 26)}`,
    displayName: `Local NVMe Disk (${d.canonicalName})`,
    ssd: d.ssd,
    capacity: { _typeName: 'HostDiskDimensionsLba', blockSize: 512, block: Math.floor(d.capacityBytes / 512) },
    vsanDiskInfo: { _typeName: 'VsanHostVsanDiskInfo', vsanUuid: d.uuid, formatVersion: 15 },
  });
  return { _typeName: 'VsanHostDiskMapping', ssd: disk(group.cache), nonSsd: group.capacity.map(disk) };
}

/** VsanDataEncryptionConfig of a cluster: provider, KEK id and host key id. */
export function vsanEncryption(ctx: LabVcenterContext, clusterId: string): unknown {
  const cluster = ctx.model.index.clusters.get(clusterId)!;
  const keys = ctx.model.estate.keys;
  if (!cluster.providerId) return { _typeName: 'VsanDataEncryptionConfig', encryptionEnabled: false };
  return {
    _typeName: 'VsanDataEncryptionConfig',
    encryptionEnabled: true,
    kmsProviderId: { _typeName: 'KeyProviderId', id: cluster.providerId },
    ...(cluster.vsanKekIndex === null ? {} : { kekId: keys[cluster.vsanKekIndex]!.keyId }),
    ...(cluster.hostKeyIndex === null ? {} : { hostKeyId: keys[cluster.hostKeyIndex]!.keyId }),
    changing: vsanEncryptionChanging(ctx.model, clusterId),
    eraseDisksBeforeUse: false,
  };
}

/** vSAN QueryDiskMappings answer for one host (VimVsanHostDiskMapInfoEx[]). */
export function diskMapInfoEx(ctx: LabVcenterContext, hostId: string): unknown[] {
  const model = ctx.model;
  const host = model.host(hostId);
  const cluster = model.clusterOfHost(hostId);
  const keysLoaded = model.diskGroupKeysLoaded(hostId);
  const mounted = host.diskGroupsMounted && host.phase === 'up';
  return model.estateHost(hostId).diskGroups.map((_, i) => ({
    _typeName: 'VimVsanHostDiskMapInfoEx',
    mapping: diskMapping(ctx, hostId, i),
    isMounted: mounted,
    ...(keysLoaded === null ? {} : { unlockedEncrypted: keysLoaded && host.phase === 'up' }),
    isAllFlash: true,
    isDataEfficiency: false,
    encryptionInfo: vsanEncryption(ctx, cluster.id),
  }));
}
