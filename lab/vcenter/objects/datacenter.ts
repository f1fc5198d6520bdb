/** The lab's one Datacenter. */
import { moRef } from '@/lib/vsphere/schemas';
import { datacenterContents, ROOT_FOLDER } from './folder';
import { defineManagedObject } from './managed-object';

export const datacenter = defineManagedObject({
  type: 'Datacenter',
  exists: (ctx, id) => id === ctx.model.estate.datacenter.id,
  properties: {
    name: (ctx) => ctx.model.estate.datacenter.name,
    parent: () => moRef('Folder', ROOT_FOLDER),
    hostFolder: (ctx) => moRef('Folder', ctx.model.estate.datacenter.hostFolderId),
    vmFolder: (ctx) => moRef('Folder', ctx.model.estate.datacenter.vmFolderId),
    datastoreFolder: (ctx) => moRef('Folder', ctx.model.estate.datacenter.datastoreFolderId),
    datastore: (ctx) => ctx.model.estate.datastores.map((d) => moRef('Datastore', d.id)),
  },
  boxTypes: { datastore: 'ArrayOfManagedObjectReference' },
  contents: (ctx, _id, query) => datacenterContents(ctx, query),
});
