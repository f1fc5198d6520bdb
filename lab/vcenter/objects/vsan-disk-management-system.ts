/** vSAN's disk-management system (served under /vsan): QueryDiskMappings with mount and key state per disk group. */
import { moRef, QueryDiskMappingsRequestSchema } from '@/lib/vsphere/schemas';
import { VimFault } from '../vim-fault';
import { defineManagedObject, parseBody, requireConnectedHost } from './managed-object';
import { diskMapInfoEx } from './vsan-data';

export const VSAN_DISK_MANAGEMENT = 'vsan-disk-management-system';

export const vsanDiskManagementSystem = defineManagedObject({
  type: 'VimClusterVsanVcDiskManagementSystem',
  exists: (_ctx, id) => id === VSAN_DISK_MANAGEMENT,
  properties: {},
  vsan: true,
  methods: {
    QueryDiskMappings: (call) => {
      const body = parseBody(call, QueryDiskMappingsRequestSchema);
      if (!call.ctx.objects.exists(call.ctx, 'HostSystem', body.host.value)) throw VimFault.objectNotFound(moRef('HostSystem', body.host.value));
      requireConnectedHost(call.ctx, body.host.value);
      return diskMapInfoEx(call.ctx, body.host.value);
    },
  },
});
