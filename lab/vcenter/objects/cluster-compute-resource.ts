/** ClusterComputeResource: a vSAN cluster with HA (VM-monitoring overrides) and vSAN encryption. */
import { moRef } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { byNumericSuffix, defineManagedObject } from './managed-object';
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

/** HA VM-monitoring overrides: one per VM whose monitoring differs from the cluster's setting. */
function dasVmConfig(ctx: LabVcenterContext, id: string): unknown[] {
  const cluster = clusterOf(ctx, id);
  const clusterMonitoring = cluster.vmMonitoring !== 'vmMonitoringDisabled';
  const overrides: unknown[] = [];
  for (const hostId of cluster.hostIds) {
    for (const vmId of [...ctx.model.host(hostId).vmIds].sort(byNumericSuffix)) {
    const monitored = ctx.model.vm(vmId).haVmMonitoring;
    if (monitored === clusterMonitoring) continue;
    overrides.push({
      _typeName: 'ClusterDasVmConfigInfo',
      key: moRef('VirtualMachine', vmId),
      dasSettings: {
        _typeName: 'ClusterDasVmSettings',
        vmToolsMonitoringSettings: {
          _typeName: 'ClusterVmToolsMonitoringSettings',
          vmMonitoring: monitored ? 'vmMonitoringOnly' : 'vmMonitoringDisabled',
          clusterSettings: false,
        },
      },
    });
    }
  }
  return overrides;
}

export const clusterComputeResource = defineManagedObject({
  type: 'ClusterComputeResource',
  exists: (ctx, id) => ctx.model.index.clusters.has(id),
  properties: {
    name: (ctx, id) => clusterOf(ctx, id).name,
    parent: (ctx) => moRef('Folder', ctx.model.estate.datacenter.hostFolderId),
    host: (ctx, id) => clusterOf(ctx, id).hostIds.map((h) => moRef('HostSystem', h)),
    datastore: (ctx, id) => ctx.model.clusterDatastores(id).map((d) => moRef('Datastore', d)),
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
  contents: (ctx, id, query) => [
    ...clusterOf(ctx, id).hostIds.map((h) => moRef('HostSystem', h)),
    ...(query.recursive && query.wants('VirtualMachine') ? clusterVms(ctx, id).map((v) => moRef('VirtualMachine', v)) : []),
  ],
});
