/** ClusterComputeResource: a vSAN cluster with HA (per-VM monitoring overrides, reconfigurable) and vSAN encryption. */
import { moRef, ReconfigureComputeResourceRequestSchema, type ClusterDasVmConfigSpec } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { VimFault } from '../vim-fault';
import { byNumericSuffix, defineManagedObject, entityTask, parseBody } from './managed-object';
import { poolIdOf } from './resource-pool';
import { vsanEncryption } from './vsan-data';

function clusterOf(ctx: LabVcenterContext, id: string) {
  return ctx.model.index.clusters.get(id)!;
}

/** VMs registered on the cluster's hosts, in inventory order. */
function clusterVms(ctx: LabVcenterContext, id: string): string[] {
  const ids: string[] = [];
  for (const hostId of clusterOf(ctx, id).hostIds) ids.push(...ctx.model.host(hostId).vmIds);
  return ids.sort(byNumericSuffix);
}

/** HA VM-monitoring overrides (ClusterDasVmConfigInfo), host by host in inventory order. */
function dasVmConfig(ctx: LabVcenterContext, id: string): unknown[] {
  const overrides: unknown[] = [];
  for (const hostId of clusterOf(ctx, id).hostIds) {
    for (const vmId of [...ctx.model.host(hostId).vmIds].sort(byNumericSuffix)) {
      const own = ctx.model.vm(vmId).haOverride;
      if (!own) continue;
      overrides.push({
        _typeName: 'ClusterDasVmConfigInfo',
        key: moRef('VirtualMachine', vmId),
        dasSettings: {
          _typeName: 'ClusterDasVmSettings',
          vmToolsMonitoringSettings: {
            _typeName: 'ClusterVmToolsMonitoringSettings',
            ...(own.vmMonitoring ? { vmMonitoring: own.vmMonitoring } : {}),
            clusterSettings: own.clusterSettings,
          },
        },
      });
    }
  }
  return overrides;
}

/** The per-VM HA override changes of a ReconfigureComputeResource_Task, checked against the cluster. */
function haOverrideChanges(spec: ClusterDasVmConfigSpec[]) {
  return spec.map((change) => {
    const key = change.operation === 'remove' ? change.removeKey : change.info?.key;
    if (!key || key.type !== 'VirtualMachine') {
      throw new VimFault('InvalidArgument', `dasVmConfigSpec ${change.operation} needs ${change.operation === 'remove' ? 'removeKey' : 'info.key'}: a VirtualMachine.`, {
        invalidProperty: change.operation === 'remove' ? 'removeKey' : 'info.key',
      });
    }
    const settings = change.info?.dasSettings?.vmToolsMonitoringSettings;
    if (change.operation !== 'remove' && !settings) {
      throw new VimFault('InvalidArgument', `dasVmConfigSpec ${change.operation} for ${key.value} needs dasSettings.vmToolsMonitoringSettings.`, { invalidProperty: 'info.dasSettings' });
    }
    return {
      operation: change.operation,
      vmId: key.value,
      override: settings ? { vmMonitoring: settings.vmMonitoring ?? null, clusterSettings: settings.clusterSettings ?? false } : undefined,
    };
  });
}

export const clusterComputeResource = defineManagedObject({
  type: 'ClusterComputeResource',
  exists: (ctx, id) => ctx.model.index.clusters.has(id),
  properties: {
    name: (ctx, id) => clusterOf(ctx, id).name,
    parent: (ctx) => moRef('Folder', ctx.model.estate.datacenter.hostFolderId),
    host: (ctx, id) => clusterOf(ctx, id).hostIds.map((h) => moRef('HostSystem', h)),
    datastore: (ctx, id) => ctx.model.clusterDatastores(id).map((d) => moRef('Datastore', d)),
    resourcePool: (_ctx, id) => moRef('ResourcePool', poolIdOf(id)),
    configurationEx: (ctx, id) => {
      const cluster = clusterOf(ctx, id);
      return {
        _typeName: 'ClusterConfigInfoEx',
        dasConfig: { _typeName: 'ClusterDasConfigInfo', enabled: cluster.haEnabled, vmMonitoring: cluster.vmMonitoring, hostMonitoring: 'enabled' },
        dasVmConfig: dasVmConfig(ctx, id),
        drsConfig: { _typeName: 'ClusterDrsConfigInfo', enabled: cluster.drsEnabled, defaultVmBehavior: 'fullyAutomated' },
        vsanConfigInfo: { _typeName: 'VsanConfigInfoEx', enabled: true, dataEncryptionConfig: vsanEncryption(ctx, id) },
      };
    },
  },
  boxTypes: {
    host: 'ArrayOfManagedObjectReference',
    datastore: 'ArrayOfManagedObjectReference',
    'configurationEx.dasVmConfig': 'ArrayOfClusterDasVmConfigInfo',
    'configurationEx.dasConfig.vmMonitoring': 'string',
  },
  methods: {
    ReconfigureComputeResource_Task: (call) => {
      const body = parseBody(call, ReconfigureComputeResourceRequestSchema);
      const changes = haOverrideChanges(body.spec.dasVmConfigSpec ?? []);
      return entityTask(call, moRef('ClusterComputeResource', call.id), {
        descriptionId: 'ClusterComputeResource.reconfigureEx',
        name: 'ReconfigureComputeResource_Task',
        estimateMs: 100,
        run: async () => {
          call.ctx.model.applyHaOverrides(call.id, changes);
          return undefined;
        },
      });
    },
  },
  contents: (ctx, id, query) => [
    ...clusterOf(ctx, id).hostIds.map((h) => moRef('HostSystem', h)),
    ...(query.recursive && query.wants('VirtualMachine') ? clusterVms(ctx, id).map((v) => moRef('VirtualMachine', v)) : []),
  ],
});
