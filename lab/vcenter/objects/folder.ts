/**
 * Folders: the root folder (Datacenters) and the datacenter's host, vm and datastore folders.
 * A ContainerView on the host folder also lists the hosts of its clusters. The vm folder
 * registers VMs (RegisterVM_Task).
 */
import { moRef, RegisterVmRequestSchema, type MoRef } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { VimFault } from '../vim-fault';
import { defineManagedObject, entityTask, parseBody, type ContentsQuery, type MethodCall } from './managed-object';
import { clusterOfPool } from './resource-pool';

export const ROOT_FOLDER = 'group-d1';

function folderIds(ctx: LabVcenterContext): string[] {
  const dc = ctx.model.estate.datacenter;
  return [ROOT_FOLDER, dc.hostFolderId, dc.vmFolderId, dc.datastoreFolderId];
}

/** Appends `ids` as references of `type` when that type is wanted (the list is only built then). */
function addAll(out: MoRef[], query: ContentsQuery, type: string, ids: () => Iterable<string>): void {
  if (query.wants(type)) for (const id of ids()) out.push(moRef(type, id));
}

function hostFolderContents(ctx: LabVcenterContext, query: ContentsQuery, out: MoRef[]): void {
  const estate = ctx.model.estate;
  addAll(out, query, 'ClusterComputeResource', () => estate.clusters.map((c) => c.id));
  addAll(out, query, 'HostSystem', () => estate.hosts.map((h) => h.id));
}

function vmFolderContents(ctx: LabVcenterContext, query: ContentsQuery, out: MoRef[]): void {
  addAll(out, query, 'VirtualMachine', () => [...ctx.model.registeredVms()].map((v) => v.id));
}

function datastoreFolderContents(ctx: LabVcenterContext, query: ContentsQuery, out: MoRef[]): void {
  addAll(out, query, 'Datastore', () => ctx.model.estate.datastores.map((d) => d.id));
}

/** Everything below the datacenter: its folders, then clusters, hosts, VMs and datastores. */
export function datacenterContents(ctx: LabVcenterContext, query: ContentsQuery): MoRef[] {
  const out: MoRef[] = [];
  if (!query.recursive) return out;
  const dc = ctx.model.estate.datacenter;
  addAll(out, query, 'Folder', () => [dc.hostFolderId, dc.vmFolderId, dc.datastoreFolderId]);
  hostFolderContents(ctx, query, out);
  vmFolderContents(ctx, query, out);
  datastoreFolderContents(ctx, query, out);
  return out;
}

/**
 * RegisterVM_Task on the vm folder: the VMX at `path` becomes a new VM in `pool`'s cluster (on
 * `host` when given); the task's result is the new VirtualMachine reference.
 */
function registerVm(call: MethodCall): MoRef {
  const { ctx } = call;
  if (call.id !== ctx.model.estate.datacenter.vmFolderId) throw VimFault.methodNotFound('Folder', call.id, 'RegisterVM_Task');
  const body = parseBody(call, RegisterVmRequestSchema);
  if (body.asTemplate) throw new VimFault('NotSupported', 'The lab vCenter registers virtual machines, not templates.');
  if (!body.pool) throw new VimFault('InvalidArgument', 'RegisterVM_Task needs the resource pool to place the virtual machine in.', { invalidProperty: 'pool' });
  const clusterId = body.pool.type === 'ResourcePool' ? clusterOfPool(ctx, body.pool.value) : undefined;
  if (!clusterId) throw VimFault.objectNotFound(body.pool);
  if (body.host && !ctx.model.index.hosts.has(body.host.value)) throw VimFault.objectNotFound(body.host);
  return entityTask(call, moRef('Folder', call.id), {
    descriptionId: 'Folder.registerVm',
    name: 'RegisterVM_Task',
    estimateMs: 300,
    run: async () => moRef('VirtualMachine', await ctx.model.registerVm({ path: body.path, name: body.name, clusterId, hostId: body.host?.value })),
  });
}

export const folder = defineManagedObject({
  type: 'Folder',
  exists: (ctx, id) => folderIds(ctx).includes(id),
  properties: {
    name: (ctx, id) => {
      const dc = ctx.model.estate.datacenter;
      const names: Record<string, string> = { [ROOT_FOLDER]: 'Datacenters', [dc.hostFolderId]: 'host', [dc.vmFolderId]: 'vm', [dc.datastoreFolderId]: 'datastore' };
      return names[id];
    },
    parent: (ctx, id) => (id === ROOT_FOLDER ? undefined : moRef('Datacenter', ctx.model.estate.datacenter.id)),
    childEntity: (ctx, id) => {
      const estate = ctx.model.estate;
      const dc = estate.datacenter;
      if (id === ROOT_FOLDER) return [moRef('Datacenter', dc.id)];
      if (id === dc.hostFolderId) return estate.clusters.map((c) => moRef('ClusterComputeResource', c.id));
      if (id === dc.vmFolderId) return [...ctx.model.registeredVms()].map((v) => moRef('VirtualMachine', v.id));
      return estate.datastores.map((d) => moRef('Datastore', d.id));
    },
  },
  boxTypes: { childEntity: 'ArrayOfManagedObjectReference' },
  methods: { RegisterVM_Task: registerVm },
  contents: (ctx, id, query) => {
    const dc = ctx.model.estate.datacenter;
    const out: MoRef[] = [];
    if (id === ROOT_FOLDER) {
      addAll(out, query, 'Datacenter', () => [dc.id]);
      out.push(...datacenterContents(ctx, query));
    } else if (id === dc.hostFolderId) hostFolderContents(ctx, query, out);
    else if (id === dc.vmFolderId) vmFolderContents(ctx, query, out);
    else if (id === dc.datastoreFolderId) datastoreFolderContents(ctx, query, out);
    return out;
  },
});
