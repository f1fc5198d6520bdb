import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VsphereClient } from '@/lib/vsphere/client';
import { moRef, MoRefSchema } from '@/lib/vsphere/schemas';
import { startLabVcenter, type LabVcenter } from './server';

const fast = { rebootDownMs: 50, maintenanceMs: 30, rekeyPerDiskMs: 20, vmPowerMs: 10 };

async function labFetch(lab: LabVcenter, path: string, init: { method?: string; body?: unknown; auth?: boolean; headers?: Record<string, string> } = {}) {
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: lab.caPem } });
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.auth !== false) headers.authorization = `Basic ${Buffer.from(`${lab.username}:${lab.password}`).toString('base64')}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${lab.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    dispatcher,
  });
  const text = await res.text();
  await dispatcher.close();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, text };
}

async function fault(lab: LabVcenter, body: unknown) {
  const res = await labFetch(lab, '/lab/faults', { method: 'POST', body });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json;
}

const labStateSchema = z.object({
  hosts: z.array(
    z.object({ id: z.string(), inMaintenanceMode: z.boolean(), connectionState: z.string(), diskGroupsMounted: z.boolean(), bootCount: z.number(), vmIds: z.array(z.string()) }),
  ),
  vms: z.array(z.object({ id: z.string(), hostId: z.string(), powerState: z.string(), cryptoState: z.string().nullable(), configKey: z.object({ keyId: z.string(), providerId: z.string() }).nullable(), diskKeys: z.array(z.object({ keyId: z.string(), providerId: z.string() }).nullable()), haVmMonitoring: z.boolean() })),
});

describe('lab vCenter against the lib/vsphere client (no KMS attached)', () => {
  let lab: LabVcenter;
  let client: VsphereClient;

  beforeAll(async () => {
    lab = await startLabVcenter({ estate: { seed: 11, clusters: 2, hostsPerCluster: 3, vmsPerHost: 5, encryptedVmRatio: 0.6, multiDiskVmRatio: 0.5 }, timings: fast });
    client = new VsphereClient({ baseUrl: lab.url, username: lab.username, password: lab.password, caPem: lab.caPem, timeoutMs: 10_000 });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await lab?.stop();
  });

  it('negotiates the release and serves ServiceInstance content', async () => {
    expect(await client.release()).toBe('8.0.3.0');
    const content = await client.serviceContent();
    expect(content.cryptoManager?.type).toBe('CryptoManagerKmip');
  });

  it('lists hosts, clusters and VMs with filters', async () => {
    const hosts = await client.listHosts();
    expect(hosts).toHaveLength(6);
    expect(hosts.every((h) => h.connection_state === 'CONNECTED' && h.power_state === 'POWERED_ON')).toBe(true);
    const clusters = await client.listClusters();
    expect(clusters.map((c) => c.cluster)).toEqual(['domain-c1', 'domain-c2']);
    const inCluster = await client.listHosts({ clusters: ['domain-c2'] });
    expect(inCluster.map((h) => h.host)).toEqual(['host-4', 'host-5', 'host-6']);
    const vmsOnHost = await client.listVms({ hosts: ['host-1'] });
    expect(vmsOnHost.length).toBeGreaterThanOrEqual(5);
  });

  it('reports key providers vCenter-wide and per host', async () => {
    const providers = await client.listKeyProviders();
    expect(providers.map((p) => [p.provider, p.type, p.health])).toEqual([
      ['lab-kms', 'KMIP', 'OK'],
      ['lab-nkp', 'NATIVE', 'OK'],
    ]);
    const nkp = await client.getKeyProvider('lab-nkp');
    expect(nkp.native_info?.key_id).toMatch(/^[0-9a-f-]{36}$/);
    const hostView = await client.listHostKeyProviders('host-1');
    expect(hostView.map((p) => p.health)).toEqual(['OK', 'OK']);
    await fault(lab, { type: 'host-kms-isolation', host: 'host-2' });
    const isolated = await client.getHostKeyProvider('host-2', 'lab-kms');
    expect(isolated.health).toBe('ERROR');
    expect(isolated.details[0]?.default_message).toMatch(/cannot reach any server of key provider lab-kms/);
    await fault(lab, { type: 'host-kms-isolation', host: 'host-2', on: false });
  });

  it('reads the whole estate in batched calls: hosts, disk groups, VM key ids', async () => {
    const estate = await client.readEstate({ pageSize: 7 });
    expect(estate.hosts).toHaveLength(6);
    expect(estate.hosts.every((h) => h.cryptoState !== null && h.diskGroups?.length === 2 && h.diskGroups.every((g) => g.mounted))).toBe(true);
    const encryptedCluster = estate.hosts.filter((h) => h.clusterId === 'domain-c1');
    expect(encryptedCluster.every((h) => h.diskGroups!.every((g) => g.encrypted && g.keysLoaded === true))).toBe(true);
    expect(estate.vms.length).toBe(lab.estate.vms.length);
    const encryptedVm = estate.vms.find((v) => v.keyId !== null)!;
    expect(encryptedVm.cryptoState).toBe('unlocked');
    expect(encryptedVm.disks.every((d) => d.keyId?.keyId === encryptedVm.keyId!.keyId)).toBe(true);
    expect(estate.providers.find((p) => p.id === 'lab-kms')?.servers).toHaveLength(3);
    // The vSAN KEK and host key ids a host needs at boot are readable (ids only).
    const [mapping] = await client.vim.invoke(
      moRef('VimClusterVsanVcDiskManagementSystem', 'vsan-disk-management-system'),
      'QueryDiskMappings',
      { host: moRef('HostSystem', 'host-1') },
      z.array(z.object({ encryptionInfo: z.object({ encryptionEnabled: z.boolean(), kekId: z.string(), hostKeyId: z.string() }) })),
      { pathPrefix: '/vsan' },
    );
    const cluster = lab.estate.clusters[0]!;
    expect(mapping?.encryptionInfo.kekId).toBe(lab.estate.keys[cluster.vsanKekIndex!]!.keyId);
    expect(mapping?.encryptionInfo.hostKeyId).toBe(lab.estate.keys[cluster.hostKeyIndex!]!.keyId);
  });

  it('runs maintenance mode and reboot as tasks, with the vSAN decommission mode', async () => {
    const task = await client.enterMaintenanceMode('host-1', { vsanMode: 'evacuateAllData' });
    const info = await client.waitForTask(task, { pollIntervalMs: 20 });
    expect(info.state).toBe('success');
    let state = labStateSchema.parse((await labFetch(lab, '/lab/state')).json);
    expect(state.hosts.find((h) => h.id === 'host-1')!.inMaintenanceMode).toBe(true);
    expect(state.vms.filter((v) => v.hostId === 'host-1' && v.powerState === 'poweredOn')).toHaveLength(0);

    const bootsBefore = state.hosts.find((h) => h.id === 'host-1')!.bootCount;
    await client.waitForTask(await client.rebootHost('host-1'), { pollIntervalMs: 20 });
    await expect.poll(async () => (await client.listHosts({ hosts: ['host-1'] }))[0]?.connection_state, { timeout: 5000, interval: 20 }).toBe('CONNECTED');
    state = labStateSchema.parse((await labFetch(lab, '/lab/state')).json);
    expect(state.hosts.find((h) => h.id === 'host-1')!.bootCount).toBe(bootsBefore + 1);
    await client.waitForTask(await client.exitMaintenanceMode('host-1'), { pollIntervalMs: 20 });
    expect((await client.readEstate()).hosts.find((h) => h.id === 'host-1')!.inMaintenanceMode).toBe(false);
  });

  it('a host vCenter lost is DISCONNECTED, without power state, and cannot be driven', async () => {
    await fault(lab, { type: 'host-disconnect', host: 'esx-02-01.lab.local' });
    const [host] = await client.listHosts({ hosts: ['host-4'] });
    expect(host).toEqual({ host: 'host-4', name: 'esx-02-01.lab.local', connection_state: 'DISCONNECTED' });
    expect((await client.listHosts({ connection_states: ['DISCONNECTED'] })).map((h) => h.host)).toEqual(['host-4']);
    await expect(client.enterMaintenanceMode('host-4')).rejects.toThrow(/HostNotConnected/);
    await expect(client.listHostKeyProviders('host-4')).rejects.toThrow(/NOT_ALLOWED_IN_CURRENT_STATE/);
    await fault(lab, { type: 'host-disconnect', host: 'host-4', on: false });
    expect((await client.listHosts({ hosts: ['host-4'] }))[0]?.power_state).toBe('POWERED_ON');
  });

  it('refuses a non-forced reboot outside maintenance mode with a task error', async () => {
    const task = await client.rebootHost('host-3');
    await expect(client.waitForTask(task, { pollIntervalMs: 20 })).rejects.toThrow(/not in maintenance mode/);
  });

  it('shallow-rekeys a VM to a new key from the target provider, and the failure modes', async () => {
    const state = labStateSchema.parse((await labFetch(lab, '/lab/state')).json);
    const candidate = state.vms.find((v) => v.configKey?.providerId === 'lab-nkp' && v.powerState === 'poweredOn' && v.diskKeys.length > 1)
      ?? state.vms.find((v) => v.configKey?.providerId === 'lab-nkp' && v.powerState === 'poweredOn')!;
    const generated = await client.vim.invoke(
      moRef('CryptoManagerKmip', 'CryptoManager'),
      'GenerateKey',
      { keyProvider: { _typeName: 'KeyProviderId', id: 'lab-kms' } },
      z.object({ keyId: z.object({ keyId: z.string() }), success: z.boolean() }),
    );
    const newKey = { keyId: generated.keyId.keyId, providerId: 'lab-kms' };

    await fault(lab, { type: 'rekey-failure', mode: 'refuse-powered-on' });
    await expect(client.waitForTask(await client.shallowRekeyVm(candidate.id, newKey), { pollIntervalMs: 20 })).rejects.toThrow(
      /unable to shallow rekey powered on vm/,
    );
    await fault(lab, { type: 'rekey-failure', mode: 'provider-not-found' });
    await expect(client.waitForTask(await client.shallowRekeyVm(candidate.id, newKey), { pollIntervalMs: 20 })).rejects.toThrow(
      /The provider 'lab-kms' does not exist/,
    );
    // Targeted at another VM only: this one goes through.
    const other = state.vms.find((v) => v.id !== candidate.id)!;
    await fault(lab, { type: 'rekey-failure', mode: 'refuse-powered-on', vms: [other.id] });
    await client.waitForTask(await client.shallowRekeyVm(candidate.id, newKey), { pollIntervalMs: 20 });
    await fault(lab, { type: 'rekey-failure', mode: 'none' });
    const vm = (await client.readEstate()).vms.find((v) => v.id === candidate.id)!;
    expect(vm.keyId).toEqual(newKey);
    expect(vm.disks.every((d) => d.keyId?.keyId === newKey.keyId)).toBe(true);

    // And back to the Native Key Provider with a key vCenter generates itself.
    const nkpKey = await client.vim.invoke(
      moRef('CryptoManagerKmip', 'CryptoManager'),
      'GenerateKey',
      { keyProvider: { _typeName: 'KeyProviderId', id: 'lab-nkp' } },
      z.object({ keyId: z.object({ keyId: z.string() }) }),
    );
    await client.waitForTask(await client.shallowRekeyVm(candidate.id, { keyId: nkpKey.keyId.keyId, providerId: 'lab-nkp' }), { pollIntervalMs: 20 });
    const back = (await client.readEstate()).vms.find((v) => v.id === candidate.id)!;
    expect(back.keyId).toEqual({ keyId: nkpKey.keyId.keyId, providerId: 'lab-nkp' });
  });

  it('HA reset during rekey leaves the VM locked with the seed error until it is reloaded', async () => {
    const state = labStateSchema.parse((await labFetch(lab, '/lab/state')).json);
    const candidate = state.vms.find((v) => v.configKey?.providerId === 'lab-nkp' && v.powerState === 'poweredOn' && v.diskKeys.length > 1)
      ?? state.vms.find((v) => v.configKey?.providerId === 'lab-nkp' && v.powerState === 'poweredOn')!;
    await fault(lab, { type: 'vm-ha-monitoring', vm: candidate.id, enabled: true });
    await fault(lab, { type: 'rekey-failure', mode: 'ha-reset' });
    const generated = await client.vim.invoke(moRef('CryptoManagerKmip', 'CryptoManager'), 'GenerateKey', { keyProvider: { _typeName: 'KeyProviderId', id: 'lab-kms' } }, z.object({ keyId: z.object({ keyId: z.string() }) }));
    const task = await client.shallowRekeyVm(candidate.id, { keyId: generated.keyId.keyId, providerId: 'lab-kms' });
    await expect(client.waitForTask(task, { pollIntervalMs: 20 })).rejects.toThrow(/Cannot decrypt disk because key or password is incorrect/);
    let vm = (await client.readEstate()).vms.find((v) => v.id === candidate.id)!;
    expect(vm.cryptoState).toBe('locked');
    expect(vm.powerState).toBe('poweredOff');
    await fault(lab, { type: 'rekey-failure', mode: 'none' });
    await fault(lab, { type: 'vm-reload', vm: candidate.id });
    vm = (await client.readEstate()).vms.find((v) => v.id === candidate.id)!;
    expect(vm.cryptoState).toBe('unlocked');
  });

  it('answers QueryCryptoKeyStatus and KMIP server status', async () => {
    const kek = lab.estate.keys.find((k) => k.providerId === 'lab-kms' && k.purpose === 'vsan-kek')!;
    const [status] = await client.queryCryptoKeyStatus([{ keyId: kek.keyId, providerId: 'lab-kms' }, { keyId: 'nope', providerId: 'lab-kms' }]);
    expect(status?.keyAvailable).toBe(true);
    const all = await client.queryCryptoKeyStatus([{ keyId: 'nope', providerId: 'lab-kms' }]);
    expect(all[0]).toMatchObject({ keyAvailable: false, reason: 'KeyStateMissingInKMS' });
    const clusters = await client.listKmipServers();
    const status2 = await client.retrieveKmipServersStatus(clusters, { pollIntervalMs: 20 });
    expect(status2.find((c) => c.clusterId.id === 'lab-kms')?.overallStatus).toBe('green');
  });

  it('boxes an empty managed-object array with its declared type', async () => {
    const vmsOnEmptyHost = await client.vim.invoke(
      moRef('PropertyCollector', 'propertyCollector'),
      'RetrievePropertiesEx',
      {
        specSet: [{ _typeName: 'PropertyFilterSpec', propSet: [{ _typeName: 'PropertySpec', type: 'HostSystem', pathSet: ['vm'] }], objectSet: [{ _typeName: 'ObjectSpec', obj: moRef('HostSystem', 'host-1') }] }],
        options: { _typeName: 'RetrieveOptions' },
      },
      z.object({ objects: z.array(z.object({ propSet: z.array(z.object({ val: z.object({ _typeName: z.string(), _value: z.array(z.unknown()) }) })) })) }),
    );
    const val = vmsOnEmptyHost.objects[0]!.propSet[0]!.val;
    expect(val._typeName).toBe('ArrayOfManagedObjectReference');
  });

  it('omits unset nested properties and faults on unknown property names', async () => {
    const offVm = lab.estate.vms.find((v) => v.keyIndex === null && lab.model.vm(v.id).powerState === 'poweredOff')
      ?? lab.estate.vms.find((v) => v.keyIndex === null)!;
    await fault(lab, { type: 'vm-power', vm: offVm.id, on: false }).catch(() => undefined);
    const spec = (paths: string[]) => ({
      specSet: [{ _typeName: 'PropertyFilterSpec', propSet: [{ _typeName: 'PropertySpec', type: 'VirtualMachine', pathSet: paths }], objectSet: [{ _typeName: 'ObjectSpec', obj: moRef('VirtualMachine', offVm.id) }] }],
      options: { _typeName: 'RetrieveOptions' },
    });
    const result = await client.vim.invoke(
      moRef('PropertyCollector', 'propertyCollector'),
      'RetrievePropertiesEx',
      spec(['name', 'guest.ipAddress', 'config.keyId', 'runtime.cryptoState']),
      z.object({ objects: z.array(z.object({ propSet: z.array(z.object({ name: z.string() })) })) }),
    );
    expect(result.objects[0]!.propSet.map((p) => p.name)).toEqual(['name']);
    await expect(client.vim.invoke(moRef('PropertyCollector', 'propertyCollector'), 'RetrievePropertiesEx', spec(['noSuchProperty']), z.unknown())).rejects.toThrow(/InvalidProperty/);
  });

  it('returns documented error shapes: 401 UNAUTHENTICATED, InvalidLogin, ManagedObjectNotFound', async () => {
    const bad = await labFetch(lab, '/api/session', { method: 'POST', auth: false, headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ error_type: 'UNAUTHENTICATED' });
    const login = await labFetch(lab, '/sdk/vim25/8.0.3.0/SessionManager/SessionManager/Login', { method: 'POST', auth: false, body: { userName: 'x', password: 'y' } });
    expect(login.status).toBe(500);
    expect(login.json).toMatchObject({ _typeName: 'InvalidLogin' });
    await expect(client.vim.getProperty(moRef('HostSystem', 'host-999'), 'runtime', z.unknown())).rejects.toThrow(/ManagedObjectNotFound/);
    await expect(client.vim.invoke(moRef('HostSystem', 'host-1'), 'NoSuchMethod', {}, MoRefSchema)).rejects.toThrow(/MethodNotFound/);
  });

  it('renews an expired session transparently and serves 503 / latency faults', async () => {
    await fault(lab, { type: 'expire-sessions' });
    expect((await client.listHosts()).length).toBe(6);
    await fault(lab, { type: 'vcenter-unavailable' });
    await expect(client.listHosts()).rejects.toThrow(/503/);
    await fault(lab, { type: 'vcenter-unavailable', on: false });
    await fault(lab, { type: 'vcenter-latency', ms: 150 });
    const started = Date.now();
    await client.listClusters();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await fault(lab, { type: 'clear' });
  });

  it('protects /lab routes and validates fault bodies with one clear sentence', async () => {
    expect((await labFetch(lab, '/lab/state', { auth: false })).status).toBe(401);
    const bad = await labFetch(lab, '/lab/faults', { method: 'POST', body: { type: 'host-reboot' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: expect.stringMatching(/^Invalid fault: host:/) });
    const unknownType = await labFetch(lab, '/lab/faults', { method: 'POST', body: { type: 'melt-down' } });
    expect(unknownType.status).toBe(400);
    const notJson = await labFetch(lab, '/lab/faults', { method: 'POST', body: '{"type":' });
    expect(notJson.status).toBe(400);
    const noHost = await labFetch(lab, '/lab/faults', { method: 'POST', body: { type: 'remount', host: 'esx-99' } });
    expect(noHost.status).toBe(404);
    const noKms = await labFetch(lab, '/lab/faults', { method: 'POST', body: { type: 'kms-node-down', node: 'kms-1' } });
    expect(noKms.status).toBe(409);
  });
});

describe('lab vCenter limits', () => {
  it('refuses to list more than 4000 VMs without filters, like vCenter', async () => {
    const lab = await startLabVcenter({ estate: { seed: 2, clusters: 20, hostsPerCluster: 16, vmsPerHost: 13 } });
    try {
      const client = new VsphereClient({ baseUrl: lab.url, username: lab.username, password: lab.password, caPem: lab.caPem });
      await expect(client.listVms()).rejects.toThrow(/UNABLE_TO_ALLOCATE_RESOURCE/);
      expect((await client.listVms({ clusters: ['domain-c1'] })).length).toBe(16 * 13);
      await client.close();
    } finally {
      await lab.stop();
    }
  });
});
