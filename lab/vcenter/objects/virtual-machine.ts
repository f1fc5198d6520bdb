/**
 * VirtualMachine: runtime (host, power, connection, crypto state), configuration with the key ids
 * of the VM and its disks, guest info (KMS appliance VMs report their node's address), the lock
 * as a configuration issue, and the operations Keywatch drives: shallow rekey, power, reload,
 * CryptoUnlock_Task, unregister (RegisterVM_Task is the VM folder's).
 */
import { moRef, PowerOnVmRequestSchema, ReconfigVmRequestSchema } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { cryptoKeyId } from '../crypto-key-id';
import type { EstateVm } from '../estate';
import { VM_LOCK_MESSAGES, type LabModel } from '../host-model';
import type { KmsNodeAddress } from '../kms-reachability';
import { defineManagedObject, entityTask, parseBody, type MethodCall } from './managed-object';
import { poolIdOf } from './resource-pool';

/**
 * guest.ipAddress: none while the guest is not running; a KMS appliance VM has its node's own
 * address, a workload VM a stable private one (vm-258 → 10.0.1.2).
 */
export function guestIpAddress(model: LabModel, kmsNode: (index: number) => KmsNodeAddress | undefined, vmId: string): string | null {
  if (model.vm(vmId).powerState !== 'poweredOn') return null;
  const vm = model.estateVm(vmId);
  const node = vm.kmsNodeIndex === null ? undefined : kmsNode(vm.kmsNodeIndex);
  if (node) return node.host;
  const n = Number(vmId.slice(vmId.lastIndexOf('-') + 1));
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** 41943040 → "41,943,040" (Intl formatting is slow at 40,000 VMs per read). */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** config.annotation of a KMS appliance VM: which node it is, at which address. */
export function applianceAnnotation(node: KmsNodeAddress): string {
  return `Keywatch lab KMS appliance: node ${node.id} (${node.host}:${node.port})`;
}

function vmDevices(ctx: LabVcenterContext, vm: EstateVm): unknown[] {
  const runtime = ctx.model.vm(vm.id);
  const ds = moRef('Datastore', runtime.datastoreId);
  const devices: unknown[] = [
    {
      _typeName: 'VirtualLsiLogicSASController',
      key: 1000,
      deviceInfo: { _typeName: 'Description', label: 'SCSI controller 0', summary: 'LSI Logic SAS' },
      busNumber: 0,
    },
  ];
  vm.disks.forEach((disk, i) => {
    const key = runtime.diskKeys[i];
    devices.push({
      _typeName: 'VirtualDisk',
      key: disk.key,
      deviceInfo: { _typeName: 'Description', label: disk.label, summary: `${groupThousands(disk.capacityInKB)} KB` },
      backing: {
        _typeName: 'VirtualDiskFlatVer2BackingInfo',
        fileName: ctx.model.vmFilePath(vm.id, disk.fileName),
        datastore: ds,
        diskMode: 'persistent',
        thinProvisioned: true,
        ...(key ? { keyId: cryptoKeyId(key) } : {}),
      },
      controllerKey: 1000,
      unitNumber: i,
      capacityInKB: disk.capacityInKB,
      capacityInBytes: disk.capacityInKB * 1024,
    });
  });
  if (vm.vtpm) {
    devices.push({ _typeName: 'VirtualTPM', key: 11000, deviceInfo: { _typeName: 'Description', label: 'Virtual TPM', summary: 'Virtual TPM' } });
  }
  return devices;
}

function vmRuntime(ctx: LabVcenterContext, id: string): unknown {
  const runtime = ctx.model.vm(id);
  const cryptoState = ctx.model.vmCryptoState(id);
  return {
    _typeName: 'VirtualMachineRuntimeInfo',
    host: moRef('HostSystem', runtime.hostId),
    connectionState: ctx.model.vmConnectionState(id),
    powerState: runtime.powerState,
    faultToleranceState: 'notConfigured',
    toolsInstallerMounted: false,
    consolidationNeeded: false,
    ...(cryptoState ? { cryptoState } : {}),
  };
}

/**
 * ManagedEntity.configIssue: while the VM is locked, the event vCenter logs for it, with the
 * documented message. Its eventTypeId is the lab's own (the real one is not documented).
 */
function configIssue(ctx: LabVcenterContext, id: string): unknown[] {
  const runtime = ctx.model.vm(id);
  if (!runtime.lock) return [];
  const vm = ctx.model.estateVm(id);
  const host = ctx.model.estateHost(runtime.hostId);
  const n = Number(id.slice(id.lastIndexOf('-') + 1));
  return [
    {
      _typeName: 'EventEx',
      key: n,
      chainId: n,
      createdTime: (runtime.lockedAt ?? new Date()).toISOString(),
      userName: '',
      host: { _typeName: 'HostEventArgument', name: host.name, host: moRef('HostSystem', host.id) },
      vm: { _typeName: 'VmEventArgument', name: vm.name, vm: moRef('VirtualMachine', id) },
      fullFormattedMessage: VM_LOCK_MESSAGES[runtime.lock],
      eventTypeId: `com.keywatch.lab.vm.locked.${runtime.lock}`,
      severity: 'error',
    },
  ];
}

function vmTask(call: MethodCall, descriptionId: string, name: string, estimateMs: number, run: () => Promise<unknown>) {
  return entityTask(call, moRef('VirtualMachine', call.id), { descriptionId, name, estimateMs, connectedHost: call.ctx.model.vm(call.id).hostId, run });
}

export const virtualMachine = defineManagedObject({
  type: 'VirtualMachine',
  exists: (ctx, id) => ctx.model.index.vms.has(id),
  properties: {
    name: (ctx, id) => ctx.model.estateVm(id).name,
    parent: (ctx) => moRef('Folder', ctx.model.estate.datacenter.vmFolderId),
    resourcePool: (ctx, id) => moRef('ResourcePool', poolIdOf(ctx.model.clusterOfHost(ctx.model.vm(id).hostId).id)),
    datastore: (ctx, id) => [moRef('Datastore', ctx.model.vm(id).datastoreId)],
    configIssue,
    runtime: vmRuntime,
    guest: (ctx, id) => {
      const ipAddress = guestIpAddress(ctx.model, ctx.kmsNode, id);
      return {
        _typeName: 'GuestInfo',
        guestState: ctx.model.vm(id).powerState === 'poweredOn' ? 'running' : 'notRunning',
        hostName: `${ctx.model.estateVm(id).name}.lab.local`,
        ...(ipAddress === null ? {} : { ipAddress }),
      };
    },
    config: (ctx, id) => {
      const vm = ctx.model.estateVm(id);
      const runtime = ctx.model.vm(id);
      const node = vm.kmsNodeIndex === null ? undefined : ctx.kmsNode(vm.kmsNodeIndex);
      return {
        _typeName: 'VirtualMachineConfigInfo',
        name: vm.name,
        ...(node ? { annotation: applianceAnnotation(node) } : {}),
        uuid: vm.uuid,
        instanceUuid: vm.instanceUuid,
        guestId: 'otherGuest64',
        version: 'vmx-20',
        template: false,
        files: { _typeName: 'VirtualMachineFileInfo', vmPathName: ctx.model.vmxPathOf(id) },
        hardware: { _typeName: 'VirtualHardware', numCPU: vm.cpuCount, memoryMB: vm.memoryMiB, device: vmDevices(ctx, vm) },
        ...(runtime.configKey ? { keyId: cryptoKeyId(runtime.configKey) } : {}),
      };
    },
    summary: (ctx, id) => ({
      _typeName: 'VirtualMachineSummary',
      vm: moRef('VirtualMachine', id),
      runtime: vmRuntime(ctx, id),
      overallStatus: ctx.model.vm(id).lock ? 'red' : 'green',
    }),
  },
  allProperties: ['name', 'parent', 'runtime', 'config', 'datastore', 'summary', 'guest'],
  boxTypes: {
    datastore: 'ArrayOfManagedObjectReference',
    configIssue: 'ArrayOfEvent',
    'config.hardware.device': 'ArrayOfVirtualDevice',
    'runtime.powerState': 'VirtualMachinePowerState',
    'runtime.connectionState': 'VirtualMachineConnectionState',
    'runtime.faultToleranceState': 'VirtualMachineFaultToleranceState',
    'guest.guestState': 'string',
  },
  methods: {
    ReconfigVM_Task: (call) => {
      const { ctx, id } = call;
      const model = ctx.model;
      const body = parseBody(call, ReconfigVmRequestSchema);
      const connectedHost = model.vm(id).hostId;
      const crypto = body.spec.crypto ?? body.spec.deviceChange?.find((c) => c.backing?.crypto)?.backing?.crypto;
      const task = { descriptionId: 'VirtualMachine.reconfigure', name: 'ReconfigVM_Task', connectedHost };
      if (!crypto) return entityTask(call, moRef('VirtualMachine', id), { ...task, estimateMs: 100, run: async () => undefined });
      const providerId = crypto.newKeyId.providerId?.id ?? model.knownKeys.get(crypto.newKeyId.keyId)?.providerId;
      const diskDeviceKeys = (body.spec.deviceChange ?? []).filter((c) => c.backing?.crypto && c.device._typeName === 'VirtualDisk').map((c) => c.device.key);
      const targeted = ctx.vcenterFaults.rekeyFailureVms;
      const failureMode = targeted === null || targeted.includes(id) ? ctx.vcenterFaults.rekeyFailure : 'none';
      return entityTask(call, moRef('VirtualMachine', id), {
        ...task,
        estimateMs: model.timings.rekeyPerDiskMs * Math.max(1, diskDeviceKeys.length),
        run: async () => {
          await model.shallowRekey(
            id,
            { providerId: providerId ?? '(unset)', keyId: crypto.newKeyId.keyId === '' ? undefined : crypto.newKeyId.keyId, diskDeviceKeys },
            failureMode,
          );
          return undefined;
        },
      });
    },
    PowerOnVM_Task: (call) => {
      parseBody(call, PowerOnVmRequestSchema);
      return vmTask(call, 'VirtualMachine.powerOn', 'PowerOnVM_Task', call.ctx.model.timings.vmPowerMs, () => call.ctx.model.powerOnVm(call.id));
    },
    PowerOffVM_Task: (call) =>
      vmTask(call, 'VirtualMachine.powerOff', 'PowerOffVM_Task', call.ctx.model.timings.vmPowerMs, () => call.ctx.model.powerOffVm(call.id)),
    CryptoUnlock_Task: (call) =>
      vmTask(call, 'VirtualMachine.cryptoUnlock', 'CryptoUnlock_Task', 500, () => call.ctx.model.cryptoUnlockVm(call.id)),
    Reload: async ({ ctx, id }) => {
      await ctx.model.reloadVm(id);
      return undefined;
    },
    UnregisterVM: ({ ctx, id }) => {
      ctx.model.unregisterVm(id);
      return undefined;
    },
  },
});
