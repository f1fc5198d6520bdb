/** HostVsanSystem: a host's vSAN configuration, with each disk group's mapping and mount state. */
import { moRef } from '@/lib/vsphere/schemas';
import { defineManagedObject } from './managed-object';
import { diskMapping } from './vsan-data';

export const hostVsanSystem = defineManagedObject({
  type: 'HostVsanSystem',
  exists: (ctx, id) => ctx.model.index.hostsByVsanSystem.has(id),
  properties: {
    config: (ctx, id) => {
      const estateHost = ctx.model.index.hostsByVsanSystem.get(id)!;
      const host = ctx.model.host(estateHost.id);
      const mappings = estateHost.diskGroups.map((_, i) => diskMapping(ctx, estateHost.id, i));
      return {
        _typeName: 'VsanHostConfigInfo',
        enabled: true,
        hostSystem: moRef('HostSystem', estateHost.id),
        clusterInfo: { _typeName: 'VsanHostConfigInfoClusterInfo', uuid: estateHost.clusterId, nodeUuid: estateHost.uuid },
        storageInfo: {
          _typeName: 'VsanHostConfigInfoStorageInfo',
          autoClaimStorage: false,
          diskMapping: mappings,
          diskMapInfo: mappings.map((mapping) => ({ _typeName: 'VsanHostDiskMapInfo', mapping, mounted: host.diskGroupsMounted && host.phase === 'up' })),
        },
      };
    },
  },
  boxTypes: {
    'config.storageInfo.diskMapInfo': 'ArrayOfVsanHostDiskMapInfo',
    'config.storageInfo.diskMapping': 'ArrayOfVsanHostDiskMapping',
  },
});
