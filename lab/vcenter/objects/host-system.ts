/** HostSystem: runtime (connection, power, maintenance, crypto state, host key) and its life-cycle tasks. */
import {
  EnterMaintenanceModeRequestSchema,
  ExitMaintenanceModeRequestSchema,
  moRef,
  RebootHostRequestSchema,
} from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { cryptoKeyId } from '../crypto-key-id';
import { hostCryptoManagerId } from '../vsan-rekey';
import { byNumericSuffix, defineManagedObject, entityTask, parseBody } from './managed-object';

function hostRuntime(ctx: LabVcenterContext, id: string): unknown {
  const host = ctx.model.host(id);
  const hostKey = ctx.model.requiredKeys(id).hostKey;
  return {
    _typeName: 'HostRuntimeInfo',
    connectionState: host.connectionState,
    // vCenter cannot know the power state of a host it lost contact with.
    powerState: host.connectionState === 'connected' ? host.powerState : 'unknown',
    standbyMode: 'none',
    inMaintenanceMode: host.inMaintenanceMode,
    inQuarantineMode: false,
    bootTime: host.bootTime.toISOString(),
    cryptoState: ctx.model.hostCryptoState(id),
    ...(hostKey && host.keyCache.has(hostKey.keyId) ? { cryptoKeyId: cryptoKeyId(hostKey) } : {}),
  };
}

export const hostSystem = defineManagedObject({
  type: 'HostSystem',
  exists: (ctx, id) => ctx.model.index.hosts.has(id),
  properties: {
    name: (ctx, id) => ctx.model.estateHost(id).name,
    parent: (ctx, id) => moRef('ClusterComputeResource', ctx.model.clusterOfHost(id).id),
    vm: (ctx, id) => [...ctx.model.host(id).vmIds].sort(byNumericSuffix).map((v) => moRef('VirtualMachine', v)),
    datastore: (ctx, id) => ctx.model.clusterDatastores(ctx.model.clusterOfHost(id).id).map((d) => moRef('Datastore', d)),
    runtime: hostRuntime,
    configManager: (ctx, id) => ({
      _typeName: 'HostConfigManager',
      vsanSystem: moRef('HostVsanSystem', ctx.model.estateHost(id).vsanSystemId),
      cryptoManager: moRef('CryptoManagerHostKMS', hostCryptoManagerId(id)),
    }),
    summary: (ctx, id) => {
      const host = ctx.model.host(id);
      const estateHost = ctx.model.estateHost(id);
      return {
        _typeName: 'HostListSummary',
        host: moRef('HostSystem', id),
        hardware: { _typeName: 'HostHardwareSummary', uuid: estateHost.uuid, vendor: 'Lab', model: 'Lab ESXi', numCpuCores: 32, memorySize: 512 * 1024 ** 3 },
        overallStatus: host.connectionState === 'connected' && host.diskGroupsMounted ? 'green' : 'red',
        rebootRequired: false,
      };
    },
  },
  allProperties: ['name', 'parent', 'runtime', 'vm', 'datastore', 'configManager', 'summary'],
  boxTypes: {
    vm: 'ArrayOfManagedObjectReference',
    datastore: 'ArrayOfManagedObjectReference',
    'runtime.connectionState': 'HostSystemConnectionState',
    'runtime.powerState': 'HostSystemPowerState',
    'runtime.standbyMode': 'string',
    'runtime.bootTime': 'dateTime',
  },
  contents: (ctx, id, query) =>
    query.recursive && query.wants('VirtualMachine') ? [...ctx.model.host(id).vmIds].sort(byNumericSuffix).map((v) => moRef('VirtualMachine', v)) : [],
  methods: {
    EnterMaintenanceMode_Task: (call) => {
      const body = parseBody(call, EnterMaintenanceModeRequestSchema);
      const model = call.ctx.model;
      const mode = body.maintenanceSpec?.vsanMode?.objectAction ?? 'ensureObjectAccessibility';
      return entityTask(call, moRef('HostSystem', call.id), {
        descriptionId: 'HostSystem.enterMaintenanceMode',
        name: 'EnterMaintenanceMode_Task',
        estimateMs: model.timings.maintenanceMs * (mode === 'evacuateAllData' ? 3 : 1),
        connectedHost: call.id,
        run: () => model.enterMaintenance(call.id, mode),
      });
    },
    ExitMaintenanceMode_Task: (call) => {
      parseBody(call, ExitMaintenanceModeRequestSchema);
      const model = call.ctx.model;
      return entityTask(call, moRef('HostSystem', call.id), {
        descriptionId: 'HostSystem.exitMaintenanceMode',
        name: 'ExitMaintenanceMode_Task',
        estimateMs: model.timings.maintenanceMs,
        connectedHost: call.id,
        run: () => model.exitMaintenance(call.id),
      });
    },
    RebootHost_Task: (call) => {
      const body = parseBody(call, RebootHostRequestSchema);
      const model = call.ctx.model;
      // The task succeeds once the host accepted the reboot; the host then drops out and comes back.
      return entityTask(call, moRef('HostSystem', call.id), {
        descriptionId: 'HostSystem.reboot',
        name: 'RebootHost_Task',
        estimateMs: 200,
        connectedHost: call.id,
        run: async () => {
          const rebooting = model.rebootHost(call.id, { requireMaintenance: !body.force });
          const early = await Promise.race([rebooting.then(() => 'done' as const), new Promise<'started'>((r) => setTimeout(() => r('started'), 100))]);
          if (early === 'started') rebooting.catch(() => undefined);
          return undefined;
        },
      });
    },
  },
});
