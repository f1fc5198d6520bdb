/** Datastore: capacity (a vSAN datastore offers only its mounted disk groups) and which hosts mount it. */
import { moRef } from '@/lib/vsphere/schemas';
import { defineManagedObject } from './managed-object';

export const datastore = defineManagedObject({
  type: 'Datastore',
  exists: (ctx, id) => ctx.model.index.datastores.has(id),
  properties: {
    name: (ctx, id) => ctx.model.index.datastores.get(id)!.name,
    parent: (ctx) => moRef('Folder', ctx.model.estate.datacenter.datastoreFolderId),
    summary: (ctx, id) => {
      const ds = ctx.model.index.datastores.get(id)!;
      const capacity = ctx.model.datastoreCapacity(id);
      return {
        _typeName: 'DatastoreSummary',
        datastore: moRef('Datastore', id),
        name: ds.name,
        url: ds.url,
        capacity: capacity.capacity,
        freeSpace: capacity.freeSpace,
        type: ds.type,
        accessible: capacity.accessible,
        multipleHostAccess: true,
        maintenanceMode: 'normal',
      };
    },
    vm: (ctx, id) => [...ctx.model.vms.values()].filter((v) => v.datastoreId === id).map((v) => moRef('VirtualMachine', v.id)),
    host: (ctx, id) =>
      ctx.model.datastoreMounts(id).map((m) => ({
        _typeName: 'DatastoreHostMount',
        key: moRef('HostSystem', m.hostId),
        mountInfo: { _typeName: 'HostMountInfo', accessMode: 'readWrite', mounted: m.mounted, accessible: m.accessible },
      })),
  },
  allProperties: ['name', 'parent', 'summary', 'host'],
  boxTypes: {
    vm: 'ArrayOfManagedObjectReference',
    host: 'ArrayOfDatastoreHostMount',
    'summary.capacity': 'long',
    'summary.freeSpace': 'long',
  },
});
