/**
 * The seeds' story end to end, over the real protocols: the lab KMS cluster speaks KMIP over
 * mutual TLS, the lab vCenter speaks HTTPS JSON, and Keywatch's own vSphere client reads it.
 * KMS port changed → running hosts fine → reboot one host → its disk groups unmounted, keys not
 * loaded, crypto state not safe, encrypted VMs locked → port restored → the host mounts its disk
 * groups by itself within its retry interval → the VMs stay locked until CryptoUnlock_Task.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VsphereClient } from '@/lib/vsphere/client';
import { VsphereError } from '@/lib/vsphere/errors';
import { moRef } from '@/lib/vsphere/schemas';
import { startKmsCluster, type LabKmsCluster } from '../kms/cluster';
import { startLabVcenter, type LabVcenter } from './server';

const fast = { rebootDownMs: 100, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10, keyRetryMs: 300 };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function postFault(lab: LabVcenter, body: unknown): Promise<string> {
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: lab.caPem } });
  try {
    const res = await fetch(`${lab.url}/lab/faults`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Basic ${Buffer.from(`${lab.username}:${lab.password}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = z.object({ applied: z.string() }).or(z.object({ error: z.string() })).parse(await res.json());
    if (!res.ok || 'error' in json) throw new Error(`fault ${JSON.stringify(body)} refused: ${'error' in json ? json.error : res.status}`);
    return json.applied;
  } finally {
    await dispatcher.close();
  }
}

describe('seed scenario over real KMIP and HTTPS', () => {
  let kms: LabKmsCluster;
  let lab: LabVcenter;
  let client: VsphereClient;
  let target: string;
  let lockedCandidates: string[];

  beforeAll(async () => {
    kms = await startKmsCluster({ nodeCount: 3, host: '127.0.0.1' });
    lab = await startLabVcenter({
      estate: { seed: 4, clusters: 2, hostsPerCluster: 3, vmsPerHost: 4, encryptedVmRatio: 1, poweredOffVmRatio: 0 },
      kms,
      timings: fast,
      reachability: { timeoutMs: 1000, cacheMs: 500 },
    });
    client = new VsphereClient({ baseUrl: lab.url, username: lab.username, password: lab.password, caPem: lab.caPem, timeoutMs: 15_000 });
    await client.connect();
    // A host of the KMS-encrypted vSAN cluster with VMs encrypted by the lab KMS registered on it.
    const cluster = lab.estate.clusters.find((c) => c.encryption === 'standard')!;
    target = cluster.hostIds.find((h) => [...lab.model.host(h).vmIds].some((v) => lab.model.vm(v).configKey?.providerId === 'lab-kms'))!;
    lockedCandidates = [...lab.model.host(target).vmIds].filter((v) => lab.model.vm(v).configKey?.providerId === 'lab-kms');
  });

  afterAll(async () => {
    await client?.close();
    await lab?.stop();
    await kms?.stop();
  });

  it('the keys vCenter references were created on the KMS and hosts start healthy', async () => {
    const estate = await client.readEstate();
    const host = estate.hosts.find((h) => h.id === target)!;
    expect(host.connectionState).toBe('connected');
    expect(host.cryptoState).toBe('safe');
    expect(host.diskGroups!.every((g) => g.mounted && g.keysLoaded === true)).toBe(true);
    expect(host.providers!.find((p) => p.providerId === 'lab-kms')?.health).toBe('OK');
    const kek = lab.estate.keys.find((k) => k.purpose === 'vsan-kek' && k.providerId === 'lab-kms')!;
    const [status] = await client.queryCryptoKeyStatus([{ keyId: kek.keyId, providerId: 'lab-kms' }]);
    expect(status?.keyAvailable).toBe(true);
    // The KMS appliance VMs can be matched to the provider's servers.
    const kmsVm = lab.estate.vms.find((v) => v.kmsNodeIndex === 0)!;
    const config = await client.vim.getProperty(moRef('VirtualMachine', kmsVm.id), 'config', z.object({ name: z.string(), annotation: z.string() }));
    const servers = (await client.listKmipServers()).find((c) => c.clusterId.id === 'lab-kms')!.servers!;
    expect(config.name).toBe(servers[0]!.name);
    expect(config.annotation).toContain(`${servers[0]!.address}:${servers[0]!.port}`);
  });

  it('KMS port changed: running hosts are fine, but every host reports the provider as ERROR', async () => {
    for (const node of kms.nodes.map((n) => n.id)) {
      await postFault(lab, { type: 'kms-node-port', node, port: await freePort() });
    }
    const estate = await client.readEstate();
    for (const host of estate.hosts.filter((h) => h.clusterId === lab.model.clusterOfHost(target).id)) {
      expect(host.connectionState).toBe('connected');
      expect(host.cryptoState).toBe('safe');
      expect(host.diskGroups!.every((g) => g.mounted && g.keysLoaded === true)).toBe(true);
      expect(host.providers!.find((p) => p.providerId === 'lab-kms')?.health).toBe('ERROR');
    }
    expect(estate.vms.filter((v) => lockedCandidates.includes(v.id)).every((v) => v.cryptoState === 'unlocked')).toBe(true);
    // vCenter cannot create keys without its KMS: GenerateKey is a vim fault, not an internal error.
    const refused = await client.generateKey('lab-kms').then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(VsphereError);
    expect(refused).toMatchObject({ kind: 'fault', faultType: 'SystemError' });
    expect((refused as VsphereError).message).toMatch(/Cannot generate a key on key provider lab-kms/);
  });

  it('rebooting one host now: disk groups unmounted, keys not loaded, crypto not safe, encrypted VMs locked', async () => {
    await client.waitForTask(await client.rebootHost(target, true), { pollIntervalMs: 25 });
    await expect
      .poll(async () => (await client.listHosts({ hosts: [target] }))[0]?.connection_state, { timeout: 15_000, interval: 50 })
      .toBe('CONNECTED');
    await expect.poll(() => lab.model.host(target).phase, { timeout: 15_000, interval: 50 }).toBe('up');
    const estate = await client.readEstate();
    const host = estate.hosts.find((h) => h.id === target)!;
    expect(host.diskGroups!.length).toBeGreaterThan(0);
    expect(host.diskGroups!.every((g) => !g.mounted && g.keysLoaded === false)).toBe(true);
    expect(host.cryptoState).not.toBe('safe');
    const vms = estate.vms.filter((v) => lockedCandidates.includes(v.id));
    expect(vms.length).toBeGreaterThan(0);
    expect(vms.every((v) => v.cryptoState === 'locked')).toBe(true);
    // The other hosts of the cluster keep running on the keys they hold.
    const others = estate.hosts.filter((h) => h.clusterId === host.clusterId && h.id !== target);
    expect(others.every((h) => h.diskGroups!.every((g) => g.mounted))).toBe(true);
    expect(lab.model.host(target).lastKeyError).toMatch(/No KMS node of lab-kms answered/);
    for (const v of vms) expect(v.lock).toEqual({ cause: 'kmsClusterError', message: 'Virtual machine is locked because of a KMS cluster error.' });
    // Retry now, or unlock now: both refused while the KMS is still away.
    expect(await postFault(lab, { type: 'remount', host: target })).toMatch(/still unmounted/);
    const unlock = await client.cryptoUnlockVm(lockedCandidates[0]!).then((task) => client.waitForTask(task, { pollIntervalMs: 25, timeoutMs: 15_000 })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(unlock).toMatchObject({ kind: 'task-failed', faultType: 'InvalidVmState' });
  });

  it('port restored: the host mounts its disk groups by itself within its retry interval; the VMs stay locked until unlocked', async () => {
    for (const node of kms.nodes.map((n) => n.id)) await postFault(lab, { type: 'kms-node-port', node });
    await expect.poll(async () => (await client.diskGroups(target)).every((g) => g.mounted && g.keysLoaded === true), { timeout: 5_000, interval: 50 }).toBe(true);
    let estate = await client.readEstate();
    const host = estate.hosts.find((h) => h.id === target)!;
    expect(host.cryptoState).toBe('safe');
    expect(host.providers!.find((p) => p.providerId === 'lab-kms')?.health).toBe('OK');
    expect(estate.vms.filter((v) => lockedCandidates.includes(v.id)).every((v) => v.cryptoState === 'locked')).toBe(true);
    for (const id of lockedCandidates) await client.waitForTask(await client.cryptoUnlockVm(id), { pollIntervalMs: 25, timeoutMs: 15_000 });
    estate = await client.readEstate();
    expect(estate.vms.filter((v) => lockedCandidates.includes(v.id)).every((v) => v.cryptoState === 'unlocked' && v.connectionState === 'connected')).toBe(true);
  });

  it('a host boots through failover when one node is down and another lost the key', async () => {
    const [first, second] = kms.nodes.map((n) => n.id) as [string, string];
    const kek = lab.estate.keys.find((k) => k.purpose === 'vsan-kek' && k.providerId === 'lab-kms')!;
    await postFault(lab, { type: 'kms-node-down', node: first });
    await postFault(lab, { type: 'kms-delete-key', node: second, keyId: kek.keyId });
    const summary = (await client.listHostKeyProviders(target)).find((p) => p.provider === 'lab-kms');
    expect(summary?.health).toBe('WARNING');
    await postFault(lab, { type: 'host-reboot', host: target, wait: true });
    const host = (await client.readEstate()).hosts.find((h) => h.id === target)!;
    expect(host.diskGroups!.every((g) => g.mounted && g.keysLoaded === true)).toBe(true);
    const [status] = await client.queryCryptoKeyStatus([{ keyId: kek.keyId, providerId: 'lab-kms' }]);
    expect(status?.keyAvailable).toBe(true);
    await postFault(lab, { type: 'kms-node-down', node: first, down: false });
  });

  it('a black-holed node and one with an expired certificate are reported with their reason', async () => {
    const [first, second, third] = kms.nodes.map((n) => n.id) as [string, string, string];
    await postFault(lab, { type: 'kms-node-black-hole', node: first });
    await postFault(lab, { type: 'kms-node-expired-certificate', node: second });
    const info = await client.getHostKeyProvider(target, 'lab-kms');
    expect(info.health).toBe('WARNING');
    const text = info.details.map((d) => d.default_message).join('\n');
    expect(text).toContain(first);
    expect(text).toContain(second);
    expect(text).not.toContain(`server ${third}`);
    const status = await client.retrieveKmipServersStatus(await client.listKmipServers(), { pollIntervalMs: 25 });
    const servers = status.find((c) => c.clusterId.id === 'lab-kms')!.servers;
    expect(servers.map((s) => s.status)).toEqual(['red', 'red', 'green']);
    await postFault(lab, { type: 'kms-node-black-hole', node: first, on: false });
    await postFault(lab, { type: 'kms-node-expired-certificate', node: second, on: false });
    expect((await client.getHostKeyProvider(target, 'lab-kms')).health).toBe('OK');
  });

  it('a revoked key is reported as not active by vCenter, yet still unwraps at boot', async () => {
    const vmKey = lab.model.vm(lockedCandidates[0]!).configKey!;
    await postFault(lab, { type: 'kms-revoke-key', keyId: vmKey.keyId });
    const [status] = await client.queryCryptoKeyStatus([{ keyId: vmKey.keyId, providerId: 'lab-kms' }]);
    expect(status).toMatchObject({ keyAvailable: false, reason: 'KeyStateNotActiveOrEnabled' });
    await postFault(lab, { type: 'host-reboot', host: target, wait: true });
    const vm = (await client.readEstate()).vms.find((v) => v.id === lockedCandidates[0])!;
    expect(vm.cryptoState).toBe('unlocked');
  });

  it('a VM whose key was deleted on every KMS node is locked "because keys are missing on KMS cluster"', async () => {
    const vmId = lockedCandidates[lockedCandidates.length - 1]!;
    const keyId = lab.model.vm(vmId).configKey!.keyId;
    for (const node of kms.nodes.map((n) => n.id)) await postFault(lab, { type: 'kms-delete-key', node, keyId });
    await postFault(lab, { type: 'host-reboot', host: target, wait: true });
    const [vm] = await client.readVms([vmId]);
    expect(vm).toMatchObject({ cryptoState: 'locked', connectionState: 'invalid', lock: { cause: 'keysMissingOnKms' } });
    const unlock = await client.cryptoUnlockVm(vmId).then((task) => client.waitForTask(task, { pollIntervalMs: 25, timeoutMs: 15_000 })).then(
      () => null,
      (e: unknown) => e,
    );
    expect((unlock as VsphereError).message).toMatch(/keys are missing on KMS cluster/);
  });
});

