import { afterEach, describe, expect, it } from 'vitest';
import { generateEstate } from './estate';
import { LabModel } from './host-model';
import { MemoryKeySource } from './key-sources/memory-key-source';
import { VimFault } from './vim-fault';

const fast = { rebootDownMs: 5, maintenanceMs: 5, rekeyPerDiskMs: 2, vmPowerMs: 2 };
const models: LabModel[] = [];

function setup(options: Parameters<typeof generateEstate>[0] = {}) {
  const estate = generateEstate({ seed: 7, clusters: 2, hostsPerCluster: 3, vmsPerHost: 6, encryptedVmRatio: 0.6, ...options });
  const keys = new MemoryKeySource();
  for (const key of estate.keys) keys.addKey(key.providerId, key.keyId);
  const model = new LabModel(estate, keys, fast);
  models.push(model);
  const standardCluster = estate.clusters.find((c) => c.encryption === 'standard')!;
  return { estate, keys, model, standardCluster };
}

afterEach(() => {
  for (const model of models.splice(0)) model.stop();
});

describe('LabModel host state machine', () => {
  it('starts with every host connected, keys cached, disk groups mounted and crypto safe', () => {
    const { model, standardCluster } = setup();
    for (const hostId of standardCluster.hostIds) {
      const host = model.host(hostId);
      expect(host.connectionState).toBe('connected');
      expect(host.diskGroupsMounted).toBe(true);
      expect(model.diskGroupKeysLoaded(hostId)).toBe(true);
      expect(model.hostCryptoState(hostId)).toBe('safe');
    }
  });

  it('keeps running hosts untouched by a KMS outage', async () => {
    const { model, keys, standardCluster, estate } = setup();
    keys.setReachable(estate.options.standardProviderId, false);
    const hostId = standardCluster.hostIds[0]!;
    await model.remount(hostId); // nothing is missing, so nothing is fetched
    expect(model.host(hostId).diskGroupsMounted).toBe(true);
    expect(model.hostCryptoState(hostId)).toBe('safe');
  });

  it('reboot during an outage: disk groups unmounted, keys not loaded, not safe, encrypted VMs locked; remount recovers', async () => {
    const { model, keys, standardCluster, estate } = setup({ encryptedVmRatio: 1 });
    const provider = estate.options.standardProviderId;
    keys.setReachable(provider, false);
    const hostId = standardCluster.hostIds[1]!;
    const rebooting = model.rebootHost(hostId);
    expect(model.host(hostId).connectionState).toBe('notResponding');
    expect(model.host(hostId).keyCache.size).toBe(0);
    await rebooting;
    const host = model.host(hostId);
    expect(host.connectionState).toBe('connected');
    expect(host.diskGroupsMounted).toBe(false);
    expect(model.diskGroupKeysLoaded(hostId)).toBe(false);
    expect(model.hostCryptoState(hostId)).toBe('prepared');
    expect(host.lastKeyError).toMatch(/unreachable/);
    const capacityWhileDown = model.datastoreCapacity(standardCluster.datastoreId).capacity;
    const standardVms = [...host.vmIds].filter((id) => model.vm(id).configKey?.providerId === provider);
    expect(standardVms.length).toBeGreaterThan(0);
    for (const vmId of standardVms) expect(model.vmCryptoState(vmId)).toBe('locked');

    keys.setReachable(provider, true);
    await model.remount(hostId);
    expect(host.diskGroupsMounted).toBe(true);
    expect(model.hostCryptoState(hostId)).toBe('safe');
    for (const vmId of standardVms) expect(model.vmCryptoState(vmId)).toBe('unlocked');
    expect(model.datastoreCapacity(standardCluster.datastoreId).capacity).toBeGreaterThan(capacityWhileDown);
  });

  it('shows a 0-byte vSAN datastore when no host of the cluster has its disk groups mounted', async () => {
    const { model, keys, standardCluster, estate } = setup();
    keys.setReachable(estate.options.standardProviderId, false);
    await Promise.all(standardCluster.hostIds.map((id) => model.rebootHost(id)));
    const ds = model.datastoreCapacity(standardCluster.datastoreId);
    expect(ds.capacity).toBe(0);
    expect(ds.accessible).toBe(true);
  });

  it('a host isolated from the KMS fails its own fetch while vCenter-mediated VM keys still arrive', async () => {
    const { model, standardCluster } = setup();
    const hostId = standardCluster.hostIds[0]!;
    model.setKmsIsolation(hostId, true);
    await model.rebootHost(hostId);
    expect(model.host(hostId).diskGroupsMounted).toBe(false);
    for (const vmId of model.host(hostId).vmIds) expect(model.vmCryptoState(vmId)).not.toBe('locked');
  });

  it('refuses a non-forced reboot outside maintenance mode and evacuates running VMs on enter', async () => {
    const { model, standardCluster } = setup();
    const hostId = standardCluster.hostIds[0]!;
    await expect(model.rebootHost(hostId, { requireMaintenance: true })).rejects.toBeInstanceOf(VimFault);
    const running = [...model.host(hostId).vmIds].filter((id) => model.vm(id).powerState === 'poweredOn');
    expect(running.length).toBeGreaterThan(0);
    await model.enterMaintenance(hostId, 'ensureObjectAccessibility');
    expect(model.host(hostId).inMaintenanceMode).toBe(true);
    for (const vmId of running) expect(model.vm(vmId).hostId).not.toBe(hostId);
    await model.rebootHost(hostId, { requireMaintenance: true });
    expect(model.host(hostId).inMaintenanceMode).toBe(true);
    await model.exitMaintenance(hostId);
    expect(model.host(hostId).inMaintenanceMode).toBe(false);
  });

  it('shallow rekey moves the config key and only the listed disks to the new provider', async () => {
    const { model, estate } = setup({ multiDiskVmRatio: 1, encryptedVmRatio: 1 });
    const vmId = estate.vms.find((v) => v.keyIndex !== null && v.disks.length > 1 && model.vm(v.id).configKey?.providerId === estate.options.nativeProviderId)!.id;
    await model.powerOffVm(vmId).catch(() => undefined);
    const disks = estate.vms.find((v) => v.id === vmId)!.disks;
    const newKey = await model.shallowRekey(vmId, { providerId: estate.options.standardProviderId, diskDeviceKeys: [disks[0]!.key] });
    const vm = model.vm(vmId);
    expect(vm.configKey).toEqual(newKey);
    expect(vm.diskKeys[0]).toEqual(newKey);
    expect(vm.diskKeys[1]?.providerId).toBe(estate.options.nativeProviderId);
  });

  it('rekey failure modes: provider not found, powered-on refusal, HA reset leaving a locked VM until reload', async () => {
    const { model, estate } = setup({ multiDiskVmRatio: 1, encryptedVmRatio: 1, haMonitoredVmRatio: 1 });
    await expect(model.shallowRekey(estate.vms[0]!.id, { providerId: 'nope', diskDeviceKeys: [] })).rejects.toThrow(
      "The provider 'nope' does not exist.",
    );
    const runningVm = estate.vms.find((v) => v.keyIndex !== null && model.vm(v.id).powerState === 'poweredOn')!;
    await expect(
      model.shallowRekey(runningVm.id, { providerId: estate.options.standardProviderId, diskDeviceKeys: [] }, 'refuse-powered-on'),
    ).rejects.toThrow('unable to shallow rekey powered on vm');

    const monitored = estate.vms.find((v) => v.keyIndex !== null && model.vm(v.id).powerState === 'poweredOn' && model.vm(v.id).haVmMonitoring)!;
    const diskKeys = monitored.disks.map((d) => d.key);
    await expect(
      model.shallowRekey(monitored.id, { providerId: estate.options.standardProviderId, diskDeviceKeys: diskKeys }, 'ha-reset'),
    ).rejects.toThrow('Cannot decrypt disk because key or password is incorrect');
    expect(model.vm(monitored.id).powerState).toBe('poweredOff');
    expect(model.vmCryptoState(monitored.id)).toBe('locked');
    await expect(model.powerOnVm(monitored.id)).rejects.toThrow(/Cannot decrypt disk/);
    await model.reloadVm(monitored.id);
    expect(model.vmCryptoState(monitored.id)).toBe('unlocked');
    const keysAfter = model.vm(monitored.id).diskKeys.map((k) => k?.providerId);
    expect(new Set(keysAfter).size).toBe(2); // partially rekeyed: the product must notice
  });

  it('couples KMS appliance VMs to their node: down with their host, up again when it is back', async () => {
    const estate = generateEstate({ seed: 3 });
    const events: Array<[number, boolean]> = [];
    const keys = new MemoryKeySource();
    for (const key of estate.keys) keys.addKey(key.providerId, key.keyId);
    const model = new LabModel(estate, keys, fast, { onKmsApplianceVmPower: (n, on) => events.push([n, on]) });
    models.push(model);
    const kmsVm = estate.vms.find((v) => v.kmsNodeIndex === 0)!;
    model.powerOffHost(kmsVm.hostId);
    expect(events).toEqual([[0, false]]);
    await model.powerOnHost(kmsVm.hostId);
    expect(events).toEqual([
      [0, false],
      [0, true],
    ]);
  });

  it('restarts crashed VMs at boot unless they are locked', async () => {
    const { model, keys, standardCluster, estate } = setup({ encryptedVmRatio: 0.5, poweredOffVmRatio: 0 });
    const hostId = standardCluster.hostIds.find((h) =>
      [...model.host(h).vmIds].some((v) => model.vm(v).configKey?.providerId === estate.options.standardProviderId) &&
      [...model.host(h).vmIds].some((v) => model.vm(v).configKey === null),
    )!;
    keys.setReachable(estate.options.standardProviderId, false);
    await model.rebootHost(hostId);
    for (const vmId of model.host(hostId).vmIds) {
      const vm = model.vm(vmId);
      if (vm.configKey?.providerId === estate.options.standardProviderId) expect(vm.powerState).toBe('poweredOff');
      if (vm.configKey === null) expect(vm.powerState).toBe('poweredOn');
    }
  });

  it('a self-hosted KMS appliance cannot come back when its whole encrypted cluster lost power', async () => {
    const estate = generateEstate({ seed: 3, kmsSelfHosted: true, kmsNodeCount: 1 });
    const keys = new MemoryKeySource();
    for (const key of estate.keys) keys.addKey(key.providerId, key.keyId);
    const events: Array<[number, boolean]> = [];
    const model = new LabModel(estate, keys, fast, { onKmsApplianceVmPower: (n, on) => events.push([n, on]) });
    models.push(model);
    const kmsVm = estate.vms.find((v) => v.kmsNodeIndex === 0)!;
    const cluster = model.clusterOfHost(kmsVm.hostId);
    for (const h of cluster.hostIds) model.powerOffHost(h);
    keys.setReachable(estate.options.standardProviderId, false); // its only KMS node is that VM
    await Promise.all(cluster.hostIds.map((h) => model.powerOnHost(h)));
    expect(model.datastoreCapacity(cluster.datastoreId).capacity).toBe(0);
    expect(model.vm(kmsVm.id).powerState).toBe('poweredOff');
    expect(events).toEqual([[0, false]]);
  });
});
