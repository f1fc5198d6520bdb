import { afterEach, describe, expect, it } from 'vitest';
import { generateEstate } from './estate';
import { LabModel } from './host-model';
import { MemoryKeySource } from './key-sources/memory-key-source';
import { VimFault } from './vim-fault';

const fast = { rebootDownMs: 5, maintenanceMs: 5, rekeyPerDiskMs: 2, vmPowerMs: 2, keyRetryMs: 60_000 };
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

  it('reboot during an outage: disk groups unmounted, keys not loaded, not safe, encrypted VMs locked; remount mounts, CryptoUnlock unlocks', async () => {
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
    for (const vmId of standardVms) expect(model.vm(vmId).lock).toBe('kmsClusterError');
    for (const vmId of standardVms) expect(model.vmConnectionState(vmId)).toBe('invalid');

    keys.setReachable(provider, true);
    await model.remount(hostId);
    expect(host.diskGroupsMounted).toBe(true);
    expect(model.hostCryptoState(hostId)).toBe('safe');
    expect(model.datastoreCapacity(standardCluster.datastoreId).capacity).toBeGreaterThan(capacityWhileDown);
    // A locked VM stays locked until someone unlocks it (VMware: "Unlock Locked Virtual Machines").
    for (const vmId of standardVms) expect(model.vmCryptoState(vmId)).toBe('locked');
    for (const vmId of standardVms) await model.cryptoUnlockVm(vmId);
    for (const vmId of standardVms) expect(model.vmCryptoState(vmId)).toBe('unlocked');
    for (const vmId of standardVms) expect(model.vmConnectionState(vmId)).toBe('connected');
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

    const monitored = estate.vms.find((v) => v.keyIndex !== null && model.vm(v.id).powerState === 'poweredOn' && model.vmHaMonitored(v.id))!;
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

  it('retries on its own: once the KMS is back the disk groups mount within the retry interval, without a remount; VMs stay locked', async () => {
    const estate = generateEstate({ seed: 7, clusters: 2, hostsPerCluster: 3, vmsPerHost: 6, encryptedVmRatio: 1 });
    const keys = new MemoryKeySource();
    for (const key of estate.keys) keys.addKey(key.providerId, key.keyId);
    const model = new LabModel(estate, keys, { ...fast, keyRetryMs: 40 });
    models.push(model);
    const provider = estate.options.standardProviderId;
    const hostId = estate.clusters.find((c) => c.encryption === 'standard')!.hostIds[0]!;
    keys.setReachable(provider, false);
    await model.rebootHost(hostId);
    const host = model.host(hostId);
    expect(host.diskGroupsMounted).toBe(false);
    expect(host.nextKeyRetryAt).not.toBeNull();
    const locked = [...host.vmIds].filter((id) => model.vm(id).configKey?.providerId === provider);
    expect(locked.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 120)); // several retries while the KMS is still down
    expect(host.diskGroupsMounted).toBe(false);
    keys.setReachable(provider, true);
    await expect.poll(() => host.diskGroupsMounted, { timeout: 2000, interval: 10 }).toBe(true);
    expect(model.hostCryptoState(hostId)).toBe('safe');
    expect(host.nextKeyRetryAt).toBeNull();
    for (const vmId of locked) expect(model.vmCryptoState(vmId)).toBe('locked');
  });

  it('locks a VM whose key is missing on the KMS with that reason; CryptoUnlock fails until the key is back', async () => {
    const estate = generateEstate({ seed: 7, clusters: 2, hostsPerCluster: 3, vmsPerHost: 6, encryptedVmRatio: 1 });
    const provider = estate.options.standardProviderId;
    const victim = estate.vms.find((v) => v.keyIndex !== null && estate.keys[v.keyIndex]!.providerId === provider)!;
    const lostKey = estate.keys[victim.keyIndex!]!.keyId;
    const keys = new MemoryKeySource();
    for (const key of estate.keys) if (key.keyId !== lostKey) keys.addKey(key.providerId, key.keyId);
    const model = new LabModel(estate, keys, fast);
    models.push(model);
    await model.rebootHost(victim.hostId);
    expect(model.vm(victim.id).lock).toBe('keysMissingOnKms');
    await expect(model.cryptoUnlockVm(victim.id)).rejects.toMatchObject({ kind: 'InvalidVmState', message: 'Virtual machine is locked because keys are missing on KMS cluster.' });
    await expect(model.powerOnVm(victim.id)).rejects.toMatchObject({ kind: 'InvalidVmState' });
    keys.addKey(provider, lostKey);
    await model.cryptoUnlockVm(victim.id);
    expect(model.vmCryptoState(victim.id)).toBe('unlocked');
    await model.powerOnVm(victim.id);
    expect(model.vm(victim.id).powerState).toBe('poweredOn');
  });

  it('a VM missing only a disk key is not locked but cannot power on: "The disk … is encrypted and a required key was not found"', async () => {
    const { model, keys, standardCluster, estate } = setup({ encryptedVmRatio: 1, multiDiskVmRatio: 1, poweredOffVmRatio: 0 });
    const nkp = estate.options.nativeProviderId;
    const vmId = [...standardCluster.hostIds.flatMap((h) => [...model.host(h).vmIds])].find(
      (id) => model.vm(id).configKey?.providerId === nkp && model.vm(id).diskKeys.length > 1,
    )!;
    expect(vmId).toBeDefined();
    const disks = model.estateVm(vmId).disks;
    // Config and first disk move to the standard provider; the other disks keep their NKP key.
    await model.shallowRekey(vmId, { providerId: estate.options.standardProviderId, diskDeviceKeys: [disks[0]!.key] });
    keys.setReachable(nkp, false);
    const hostId = model.vm(vmId).hostId;
    await model.rebootHost(hostId);
    expect(model.vmCryptoState(vmId)).toBe('unlocked');
    expect(model.vmConnectionState(vmId)).toBe('connected');
    expect(model.missingDiskKeys(vmId).length).toBe(disks.length - 1);
    expect(model.vm(vmId).powerState).toBe('poweredOff');
    await expect(model.powerOnVm(vmId)).rejects.toThrow(/^The disk \[\/vmfs\/volumes\/vsanDatastore-cluster-01\/vm-\d+\/vm-\d+_1\.vmdk\] is encrypted and a required key was not found\.$/);
    keys.setReachable(nkp, true);
    await model.powerOnVm(vmId);
    expect(model.vm(vmId).powerState).toBe('poweredOn');
  });

  it('unregisters a powered-off VM and registers it again as a new object, locked while its key cannot be had', async () => {
    const { model, keys, standardCluster, estate } = setup({ encryptedVmRatio: 1 });
    const provider = estate.options.standardProviderId;
    const vmId = standardCluster.hostIds.flatMap((h) => [...model.host(h).vmIds]).find((id) => model.vm(id).configKey?.providerId === provider)!;
    if (model.vm(vmId).powerState === 'poweredOn') {
      expect(() => model.unregisterVm(vmId)).toThrow(/powered on/);
      await model.powerOffVm(vmId);
    }
    const path = model.unregisterVm(vmId);
    expect(path).toMatch(/^\[vsanDatastore-cluster-01\] vm-\d+\/vm-\d+\.vmx$/);
    expect(model.vms.has(vmId)).toBe(false);
    expect(model.unregistered.has(path)).toBe(true);
    keys.setReachable(provider, false);
    const hostId = standardCluster.hostIds.find((h) => h !== estate.vms.find((v) => v.id === vmId)!.hostId)!;
    // A host that never held the key must ask vCenter for it: it cannot, so the VM comes back locked.
    model.host(hostId).keyCache.delete(model.unregistered.get(path)!.runtime.configKey!.keyId);
    const again = await model.registerVm({ path, clusterId: standardCluster.id, hostId });
    expect(again).not.toBe(vmId);
    expect(model.vm(again).hostId).toBe(hostId);
    expect(model.vm(again).lock).toBe('kmsClusterError');
    await expect(model.registerVm({ path, clusterId: standardCluster.id })).rejects.toMatchObject({ kind: 'AlreadyExists' });
    await expect(model.registerVm({ path: '[nowhere] x/x.vmx', clusterId: standardCluster.id })).rejects.toMatchObject({ kind: 'NotFound' });
    keys.setReachable(provider, true);
    await model.cryptoUnlockVm(again);
    expect(model.vmCryptoState(again)).toBe('unlocked');
  });

  it('applies HA VM-monitoring overrides as ArrayUpdateSpec says: add new, edit or remove existing', () => {
    const { model, estate } = setup();
    const cluster = estate.clusters[0]!;
    const vmId = [...model.host(cluster.hostIds[0]!).vmIds][0]!;
    model.vm(vmId).haOverride = null;
    const followsCluster = model.vmHaMonitored(vmId);
    model.applyHaOverrides(cluster.id, [{ operation: 'add', vmId, override: { vmMonitoring: followsCluster ? 'vmMonitoringDisabled' : 'vmMonitoringOnly', clusterSettings: false } }]);
    expect(model.vmHaMonitored(vmId)).toBe(!followsCluster);
    expect(() => model.applyHaOverrides(cluster.id, [{ operation: 'add', vmId, override: { vmMonitoring: 'vmMonitoringOnly', clusterSettings: false } }])).toThrow(/already has/);
    model.applyHaOverrides(cluster.id, [{ operation: 'edit', vmId, override: { vmMonitoring: null, clusterSettings: true } }]);
    expect(model.vmHaMonitored(vmId)).toBe(followsCluster);
    model.applyHaOverrides(cluster.id, [{ operation: 'remove', vmId }]);
    expect(model.vm(vmId).haOverride).toBeNull();
    expect(() => model.applyHaOverrides(cluster.id, [{ operation: 'remove', vmId }])).toThrow(/no HA override/);
    const elsewhere = [...model.host(estate.clusters[1]!.hostIds[0]!).vmIds][0]!;
    expect(() => model.applyHaOverrides(cluster.id, [{ operation: 'remove', vmId: elsewhere }])).toThrow(/not in cluster/);
  });

  it('moves the first KMS appliance onto the encrypted vSAN datastore its provider protects, and back', () => {
    const { model, estate } = setup();
    const appliance = estate.vms.find((v) => v.kmsNodeIndex === 0)!;
    const standard = estate.clusters.find((c) => c.providerId === estate.options.standardProviderId)!;
    expect(model.kmsSelfHosted()).toEqual({ now: false, atStart: false });
    model.setKmsSelfHosted(true);
    expect(model.kmsSelfHosted()).toEqual({ now: true, atStart: false });
    expect(model.vm(appliance.id).datastoreId).toBe(standard.datastoreId);
    expect(standard.hostIds).toContain(model.vm(appliance.id).hostId);
    expect(model.vmxPathOf(appliance.id)).toBe(`[vsanDatastore-${standard.name}] kms-1/kms-1.vmx`);
    model.setKmsSelfHosted(false);
    // Back exactly where the estate placed it: same host, same datastore.
    expect(model.vm(appliance.id).datastoreId).toBe(appliance.datastoreId);
    expect(model.vm(appliance.id).hostId).toBe(appliance.hostId);
    expect(model.vm(appliance.id).datastoreId).toBe('datastore-1');
    expect(model.kmsSelfHosted()).toEqual({ now: false, atStart: false });
  });

  it('a host is safe only with its host key: hosts running encrypted VMs get one even without vSAN encryption', async () => {
    const { model, keys, estate } = setup({ encryptedVmRatio: 0.6 });
    const plain = estate.clusters.find((c) => c.encryption === 'none')!;
    expect(plain.hostKeyIndex).not.toBeNull();
    const hostId = plain.hostIds[0]!;
    expect(model.hostCryptoState(hostId)).toBe('safe');
    keys.setReachable(estate.options.standardProviderId, false);
    await model.rebootHost(hostId);
    expect(model.diskGroupKeysLoaded(hostId)).toBeNull();
    expect(model.hostCryptoState(hostId)).toBe('prepared');
    const bare = generateEstate({ seed: 7, clusters: 2, hostsPerCluster: 1, vmsPerHost: 2, encryptedVmRatio: 0, clusterEncryption: ['none'] });
    const bareModel = new LabModel(bare, new MemoryKeySource(), fast);
    models.push(bareModel);
    const workloadHost = bare.clusters[0]!.hostIds[0]!;
    expect(bare.clusters[0]!.hostKeyIndex).toBeNull();
    expect(bareModel.hostCryptoState(workloadHost)).toBe('incapable');
  });
});

