/**
 * Contract tests: every call of the vSphere client against the lab vCenter (real HTTPS on
 * loopback, its own CA), checked against the lab's ground truth (the generated estate, the host
 * model and GET /lab/state). Keys of the standard provider live in the lab's memory key source
 * here; the scenario over real KMIP is lab/vcenter/scenario.test.ts.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startLabVcenter, type LabVcenter } from '@/lab/vcenter/server';
import { VsphereClient } from './client';
import { VsphereError } from './errors';
import type { VsphereClientOptions } from './client';

const fast = { rebootDownMs: 80, maintenanceMs: 40, rekeyPerDiskMs: 10, vmPowerMs: 10 };

let lab: LabVcenter;
let client: VsphereClient;
let labAgent: Agent;
const extraClients: VsphereClient[] = [];

function newClient(extra: Partial<VsphereClientOptions> = {}): VsphereClient {
  const c = new VsphereClient({ baseUrl: lab.url, username: lab.username, password: lab.password, caPem: lab.caPem, timeoutMs: 10_000, ...extra });
  extraClients.push(c);
  return c;
}

async function labRequest(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const res = await request(`${lab.url}${path}`, {
    method,
    dispatcher: labAgent,
    headers: {
      authorization: `Basic ${Buffer.from(`${lab.username}:${lab.password}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.body.json()) as unknown;
  if (res.statusCode !== 200) throw new Error(`lab ${method} ${path} answered ${res.statusCode}: ${JSON.stringify(json)}`);
  return json;
}

const fault = (body: Record<string, unknown>) => labRequest('POST', '/lab/faults', body);
const MoRefResult = z.object({ _typeName: z.literal('ManagedObjectReference'), type: z.literal('VirtualMachine'), value: z.string() });

const LabStateSchema = z.object({
  hosts: z.array(
    z.object({
      id: z.string(),
      connectionState: z.string(),
      inMaintenanceMode: z.boolean(),
      decommissionMode: z.string().nullable().optional(),
      cryptoState: z.string().nullable(),
      diskGroupsMounted: z.boolean(),
      diskGroupKeysLoaded: z.boolean().nullable(),
      vmIds: z.array(z.string()),
    }),
  ),
  vms: z
    .array(
      z.object({
        id: z.string(),
        hostId: z.string().nullable(),
        powerState: z.string(),
        cryptoState: z.string().nullable(),
        configKey: z.object({ keyId: z.string(), providerId: z.string() }).nullable(),
        diskKeys: z.array(z.object({ keyId: z.string(), providerId: z.string() }).nullable()),
      }),
    )
    .nullable(),
});
const labState = async () => LabStateSchema.parse(await labRequest('GET', '/lab/state'));

async function failure(p: Promise<unknown>): Promise<VsphereError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VsphereError);
    return err as VsphereError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  lab = await startLabVcenter({
    estate: { seed: 11, clusters: 3, hostsPerCluster: 3, vmsPerHost: 5, multiDiskVmRatio: 0.5, encryptedVmRatio: 0.6 },
    timings: fast,
  });
  labAgent = new Agent({ connect: { ca: lab.caPem } });
  client = newClient();
  await client.connect();
});

afterAll(async () => {
  await Promise.all(extraClients.map((c) => c.close().catch(() => undefined)));
  await labAgent?.close();
  await lab?.stop();
});

describe('sessions and release', () => {
  it('negotiates the newest common release', async () => {
    expect(await client.release()).toBe('8.0.3.0');
    expect(await newClient({ apiReleases: ['9.9.9.9', '8.0.2.0'] }).release()).toBe('8.0.2.0');
    const e = await failure(newClient({ apiReleases: ['7.0.3.0'] }).release());
    expect(e.kind).toBe('release');
  });

  it('refuses wrong credentials on both APIs', async () => {
    const e = await failure(newClient({ password: 'not-the-password' }).listHosts());
    expect(e.kind).toBe('auth');
    expect(e.call).toBe('POST /api/session');
    expect(e.message).not.toContain('not-the-password');
    // VI/JSON login refuses the same wrong password (release negotiated by a good client first).
    const bad = newClient({ password: 'not-the-password' });
    Object.defineProperty(bad, 'release', { value: () => Promise.resolve('8.0.3.0') });
    const e2 = await failure(bad.collector.collectAll('Datastore', ['name']));
    expect(e2.kind).toBe('auth');
    expect(e2.faultType).toBe('InvalidLogin');
  });

  it('renews both sessions transparently after the server expires them', async () => {
    const c = newClient();
    await c.connect();
    await fault({ type: 'expire-sessions' });
    expect((await c.listClusters()).length).toBe(3);
    expect((await c.collector.collectAll('ClusterComputeResource', ['name'])).length).toBe(3);
    // And the main client too (its sessions were expired as well).
    expect((await client.listHosts()).length).toBe(9);
  });

  it('close() ends both sessions on the server', async () => {
    const sessions = async () => z.object({ vcenter: z.object({ sessions: z.number() }) }).parse(await labRequest('GET', '/lab/state?vms=false')).vcenter.sessions;
    const c = new VsphereClient({ baseUrl: lab.url, username: lab.username, password: lab.password, caPem: lab.caPem });
    await c.connect();
    const open = await sessions();
    await c.close();
    expect(await sessions()).toBe(open - 2);
  });

  it('logs out: the deleted Automation session no longer works', async () => {
    const c = newClient();
    await c.listHosts();
    await c.automation.deleteSession();
    expect(c.automation.hasSession).toBe(false);
    // The next call opens a fresh session.
    expect((await c.listHosts()).length).toBe(9);
  });
});

describe('Automation API', () => {
  it('lists hosts, clusters and VMs consistent with the estate, with filters', async () => {
    const hosts = await client.listHosts();
    expect(hosts.map((h) => h.host).sort()).toEqual(lab.estate.hosts.map((h) => h.id).sort());
    const clusters = await client.listClusters();
    expect(clusters.map((c) => c.cluster).sort()).toEqual(lab.estate.clusters.map((c) => c.id).sort());
    const cluster = lab.estate.clusters[0]!;
    const inCluster = await client.listHosts({ clusters: [cluster.id] });
    expect(inCluster.map((h) => h.host).sort()).toEqual([...cluster.hostIds].sort());
    const host = cluster.hostIds[0]!;
    const vms = await client.listVms({ hosts: [host] });
    expect(vms.map((v) => v.vm).sort()).toEqual([...lab.model.host(host).vmIds].sort());
    const all = await client.listVms();
    expect(all).toHaveLength(lab.estate.vms.length);
  });

  it('reads key providers and their details, vCenter-wide and per host', async () => {
    const providers = await client.listKeyProviders();
    expect(providers.map((p) => p.provider).sort()).toEqual(lab.estate.providers.map((p) => p.id).sort());
    for (const p of providers) {
      const info = await client.getKeyProvider(p.provider);
      expect(info.health).toBe(p.health);
    }
    const host = lab.estate.hosts[0]!.id;
    const hostView = await client.listHostKeyProviders(host);
    expect(hostView.every((p) => p.health === 'OK')).toBe(true);
    const info = await client.getHostKeyProvider(host, hostView[0]!.provider);
    expect(info.details).toEqual([]);
  });

  it('reports a provider the host cannot reach as ERROR with details', async () => {
    const host = lab.estate.clusters.find((c) => c.encryption === 'standard')!.hostIds[1]!;
    await fault({ type: 'host-kms-isolation', host, on: true });
    try {
      const view = await client.listHostKeyProviders(host);
      const standard = view.find((p) => p.provider === lab.estate.options.standardProviderId)!;
      expect(standard.health).toBe('ERROR');
      const info = await client.getHostKeyProvider(host, standard.provider);
      expect(info.details.length).toBeGreaterThan(0);
    } finally {
      await fault({ type: 'host-kms-isolation', host, on: false });
    }
  });
});

describe('VI/JSON API', () => {
  it('reads ServiceInstance content', async () => {
    const content = await client.serviceContent();
    expect(content.about.apiType).toBe('VirtualCenter');
    expect(content.cryptoManager?.type).toBe('CryptoManagerKmip');
  });

  it('pages through every VM with small pages and matches the ground truth', async () => {
    const before = client.collector.pages;
    const vms = await client.collector.collectAll(
      'VirtualMachine',
      ['name', 'runtime.host', 'runtime.powerState', 'runtime.cryptoState', 'config.keyId', 'config.hardware.device', 'datastore'],
      { pageSize: 7 },
    );
    expect(client.collector.pages - before).toBe(Math.ceil(lab.estate.vms.length / 7));
    const truth = await labState();
    expect(vms).toHaveLength(lab.estate.vms.length);
    for (const vm of vms) {
      const t = truth.vms!.find((v) => v.id === vm.ref.value)!;
      expect(vm.props['runtime.host']?.value).toBe(t.hostId);
      expect(vm.props['runtime.cryptoState']?._value ?? null).toBe(t.cryptoState);
      expect(vm.props['config.keyId']?.keyId ?? null).toBe(t.configKey?.keyId ?? null);
      const diskKeys = (vm.props['config.hardware.device']?._value ?? []).filter((d) => d._typeName === 'VirtualDisk').map((d) => d.backing?.keyId?.keyId ?? null);
      expect(diskKeys).toEqual(t.diskKeys.map((k) => k?.keyId ?? null));
    }
  });

  it('reads chosen objects by id and host runtime including crypto state', async () => {
    const ids = lab.estate.hosts.slice(0, 4).map((h) => h.id);
    const hosts = await client.collector.collectObjects('HostSystem', ids, ['name', 'runtime.connectionState', 'runtime.inMaintenanceMode', 'runtime.cryptoState', 'vm']);
    expect(hosts.map((h) => h.ref.value)).toEqual(ids);
    for (const h of hosts) {
      expect(h.props['runtime.connectionState']?._value).toBe('connected');
      expect(h.props['runtime.cryptoState']?._value).toBe(lab.model.hostCryptoState(h.ref.value));
      expect((h.props.vm?._value ?? []).map((v) => v.value).sort()).toEqual([...lab.model.host(h.ref.value).vmIds].sort());
    }
  });

  it('lists KMIP clusters, their status through a task, key status, and generates keys', async () => {
    const clusters = await client.listKmipServers();
    const standard = clusters.find((c) => c.clusterId.id === lab.estate.options.standardProviderId)!;
    expect(standard.managementType).toBe('vCenter');
    expect(standard.servers?.length).toBe(lab.estate.options.kmsNodeCount);
    const status = await client.retrieveKmipServersStatus([standard], { pollIntervalMs: 20 });
    expect(status[0]?.clusterId.id).toBe(standard.clusterId.id);
    expect(status[0]?.servers).toHaveLength(standard.servers!.length);
    const encrypted = lab.estate.vms.find((v) => lab.model.vm(v.id).configKey)!;
    const key = lab.model.vm(encrypted.id).configKey!;
    const [st] = await client.queryCryptoKeyStatus([{ keyId: key.keyId, providerId: key.providerId }]);
    expect(st?.keyAvailable).toBe(true);
    expect(st?.encryptedVMs?.some((v) => v.value === encrypted.id)).toBe(true);
    const fresh = await client.generateKey(lab.estate.options.standardProviderId);
    expect(fresh.providerId).toBe(lab.estate.options.standardProviderId);
    expect(fresh.keyId).toMatch(/\S/);
  });

  it('reads vSAN disk groups matching the host model', async () => {
    const truth = await labState();
    for (const h of lab.estate.hosts.slice(0, 3)) {
      const groups = await client.diskGroups(h.id);
      const t = truth.hosts.find((x) => x.id === h.id)!;
      expect(groups.length).toBe(lab.estate.options.diskGroupsPerHost);
      expect(groups.every((g) => g.mounted === t.diskGroupsMounted)).toBe(true);
      expect(groups.every((g) => g.keysLoaded === t.diskGroupKeysLoaded)).toBe(true);
      expect(groups.every((g) => g.disks.length === 1 + lab.estate.options.capacityDisksPerGroup)).toBe(true);
    }
  });

  it('enters maintenance with the vSAN decommission mode, reboots, and exits', async () => {
    const cluster = lab.estate.clusters[2]!;
    const host = cluster.hostIds[0]!;
    const enter = await client.enterMaintenanceMode(host, { vsanMode: 'evacuateAllData' });
    const progress: string[] = [];
    const done = await client.waitForTask(enter, { timeoutMs: 10_000, pollIntervalMs: 10, onProgress: (i) => progress.push(i.state) });
    expect(done.state).toBe('success');
    expect(progress.at(-1)).toBe('success');
    let t = (await labState()).hosts.find((h) => h.id === host)!;
    expect(t.inMaintenanceMode).toBe(true);
    expect(t.decommissionMode).toBe('evacuateAllData');

    const reboot = await client.rebootHost(host);
    await client.waitForTask(reboot, { timeoutMs: 10_000, pollIntervalMs: 10 });
    expect(lab.model.host(host).bootCount).toBeGreaterThan(0);

    const exit = await client.exitMaintenanceMode(host);
    await client.waitForTask(exit, { timeoutMs: 10_000, pollIntervalMs: 10 });
    t = (await labState()).hosts.find((h) => h.id === host)!;
    expect(t.inMaintenanceMode).toBe(false);
  });

  it('refuses a reboot outside maintenance mode as an InvalidState fault', async () => {
    const host = lab.estate.clusters[1]!.hostIds[2]!;
    const e = await failure(client.rebootHost(host).then((task) => client.waitForTask(task, { pollIntervalMs: 10 })));
    expect(['fault', 'task-failed']).toContain(e.kind);
    expect(e.faultType).toBe('InvalidState');
    expect(e.message).toMatch(/maintenance mode/);
  });

  it('shallow-rekeys a multi-disk VM to another provider: config and every disk on the new key', async () => {
    const vm = lab.estate.vms.find((v) => {
      const rt = lab.model.vm(v.id);
      return rt.configKey !== null && rt.diskKeys.filter(Boolean).length > 1;
    })!;
    expect(vm).toBeDefined();
    const { standardProviderId, nativeProviderId } = lab.estate.options;
    const target = lab.model.vm(vm.id).configKey!.providerId === standardProviderId ? nativeProviderId : standardProviderId;
    const newKey = await client.generateKey(target);
    const task = await client.shallowRekeyVm(vm.id, newKey);
    const info = await client.waitForTask(task, { timeoutMs: 10_000, pollIntervalMs: 10 });
    expect(info.descriptionId).toBe('VirtualMachine.reconfigure');
    const [after] = await client.collector.collectObjects('VirtualMachine', [vm.id], ['config.keyId', 'config.hardware.device', 'runtime.cryptoState']);
    expect(after?.props['config.keyId']).toMatchObject({ keyId: newKey.keyId, providerId: { id: newKey.providerId } });
    const disks = (after?.props['config.hardware.device']?._value ?? []).filter((d) => d._typeName === 'VirtualDisk' && d.backing?.keyId);
    expect(disks.length).toBeGreaterThan(1);
    expect(disks.every((d) => d.backing?.keyId?.keyId === newKey.keyId)).toBe(true);
  });

  it('turns the lab rekey failure modes into task errors with vCenter messages', async () => {
    const poweredOn = lab.estate.vms.find((v) => lab.model.vm(v.id).configKey && lab.model.vm(v.id).powerState === 'poweredOn')!;
    const newKey = await client.generateKey(lab.estate.options.standardProviderId);
    await fault({ type: 'rekey-failure', mode: 'refuse-powered-on' });
    try {
      const e = await failure(client.shallowRekeyVm(poweredOn.id, newKey).then((t) => client.waitForTask(t, { timeoutMs: 10_000, pollIntervalMs: 10 })));
      expect(e.message).toMatch(/unable to shallow rekey powered on vm/i);
      await fault({ type: 'rekey-failure', mode: 'provider-not-found' });
      const e2 = await failure(client.shallowRekeyVm(poweredOn.id, newKey).then((t) => client.waitForTask(t, { timeoutMs: 10_000, pollIntervalMs: 10 })));
      expect(e2.message).toMatch(/does not exist|not found/i);
    } finally {
      await fault({ type: 'rekey-failure', mode: 'none' });
    }
  });
});

describe('vCenter misbehaving', () => {
  it('reports 503 from both APIs', async () => {
    await fault({ type: 'vcenter-unavailable', on: true });
    try {
      const e = await failure(client.listHosts());
      expect(e.kind).toBe('http');
      expect(e.status).toBe(503);
      expect(e.message).toMatch(/service unavailable \(HTTP 503\)/);
      const e2 = await failure(client.collector.collectAll('Datastore', ['name']));
      expect(e2.status).toBe(503);
      expect(e2.message).toContain('/sdk/vim25/8.0.3.0/');
    } finally {
      await fault({ type: 'vcenter-unavailable', on: false });
    }
  });

  it('times out when vCenter is slower than the client timeout', async () => {
    const c = newClient({ timeoutMs: 150 });
    await fault({ type: 'vcenter-latency', ms: 600 });
    try {
      const e = await failure(c.listClusters());
      expect(e.kind).toBe('timeout');
    } finally {
      await fault({ type: 'vcenter-latency', ms: 0 });
    }
  });
});

describe('readEstate', () => {
  it('returns the whole estate matching the ground truth in a bounded number of requests', async () => {
    const estate = await client.readEstate({ pageSize: 10 });
    const truth = await labState();
    expect(estate.hosts).toHaveLength(lab.estate.hosts.length);
    expect(estate.vms).toHaveLength(lab.estate.vms.length);
    expect(estate.clusters).toHaveLength(lab.estate.clusters.length);
    expect(estate.datastores.length).toBeGreaterThanOrEqual(lab.estate.clusters.length);
    expect(estate.providers.map((p) => p.kind).sort()).toEqual(['native', 'standard']);
    for (const h of estate.hosts) {
      const t = truth.hosts.find((x) => x.id === h.id)!;
      expect(h.cryptoState).toBe(t.cryptoState);
      expect(h.inMaintenanceMode).toBe(t.inMaintenanceMode);
      expect(h.diskGroups?.every((g) => g.mounted === t.diskGroupsMounted)).toBe(true);
      expect(h.providers?.length).toBe(2);
      expect(h.readErrors).toEqual([]);
    }
    for (const v of estate.vms) {
      const t = truth.vms!.find((x) => x.id === v.id)!;
      expect(v.hostId).toBe(t.hostId);
      expect(v.cryptoState).toBe(t.cryptoState);
      expect(v.keyId).toEqual(t.configKey);
    }
    // Inventory pages + 2 per host (provider view, disk mappings) + a handful of fixed calls.
    const pages = Math.ceil(lab.estate.vms.length / 10) + Math.ceil(lab.estate.hosts.length / 10) * 1 + 2;
    expect(estate.requests).toBeLessThanOrEqual(pages + 2 * lab.estate.hosts.length + 20);
  });

  it('reports host keys, vSAN encryption ids, KMS appliance addresses and HA VM monitoring as the lab has them', async () => {
    const estate = await client.readEstate();
    const truth = z
      .object({
        clusters: z.array(z.object({ id: z.string(), encryption: z.string(), providerId: z.string().nullable(), vsanKekId: z.string().nullable(), hostKeyId: z.string().nullable() })),
        hosts: z.array(z.object({ id: z.string(), keyCache: z.array(z.string()), requiredKeys: z.object({ hostKey: z.string().nullable() }) })),
        vms: z.array(z.object({ id: z.string(), powerState: z.string(), haVmMonitoring: z.boolean(), kmsNodeId: z.string().nullable() })),
        providers: z.array(z.object({ id: z.string(), nodes: z.array(z.object({ id: z.string(), host: z.string() })) })),
      })
      .parse(await labRequest('GET', '/lab/state'));
    for (const c of estate.clusters) {
      const t = truth.clusters.find((x) => x.id === c.id)!;
      expect(c.vsanEncryption?.enabled).toBe(t.encryption !== 'none');
      expect(c.vsanEncryption?.kekId ?? null).toBe(t.vsanKekId);
      // Hosts of a cluster without vSAN encryption still have a host key (for encrypted VMs); vSAN does not list it.
      expect(c.vsanEncryption?.hostKeyId ?? null).toBe(t.encryption === 'none' ? null : t.hostKeyId);
      expect(c.haEnabled).toBe(true);
    }
    for (const h of estate.hosts) {
      const t = truth.hosts.find((x) => x.id === h.id)!;
      const expected = t.requiredKeys.hostKey && t.keyCache.includes(t.requiredKeys.hostKey) ? t.requiredKeys.hostKey : null;
      expect(h.hostKey?.keyId ?? null).toBe(expected);
      const cluster = estate.clusters.find((c) => c.id === h.clusterId)!;
      for (const g of h.diskGroups ?? []) expect(g.kekId).toBe(cluster.vsanEncryption?.kekId ?? null);
    }
    expect(estate.vms.some((v) => v.haVmMonitoring === true)).toBe(true);
    expect(estate.vms.some((v) => v.haVmMonitoring === false)).toBe(true);
    for (const v of estate.vms) expect(v.haVmMonitoring).toBe(truth.vms.find((x) => x.id === v.id)!.haVmMonitoring);
    const nodes = truth.providers.flatMap((p) => p.nodes);
    const appliances = truth.vms.filter((v) => v.kmsNodeId !== null && v.powerState === 'poweredOn');
    expect(appliances.length).toBeGreaterThan(0);
    for (const a of appliances) {
      expect(estate.vms.find((v) => v.id === a.id)!.ipAddress).toBe(nodes.find((n) => n.id === a.kmsNodeId)!.host);
    }
  });

  it('shows a rebooted host that cannot reach its KMS: unmounted, keys not loaded, VMs locked; recovers after remount', async () => {
    const cluster = lab.estate.clusters.find((c) => c.encryption === 'standard')!;
    const host = cluster.hostIds.find((h) => [...lab.model.host(h).vmIds].some((v) => lab.model.vm(v).configKey?.providerId === lab.estate.options.standardProviderId))!;
    expect(host).toBeDefined();
    await fault({ type: 'host-kms-isolation', host, on: true });
    try {
      // A running host is unaffected.
      let estate = await client.readEstate();
      let h = estate.hosts.find((x) => x.id === host)!;
      expect(h.diskGroups?.every((g) => g.mounted && g.keysLoaded === true)).toBe(true);
      expect(h.providers?.find((p) => p.providerId === lab.estate.options.standardProviderId)?.health).toBe('ERROR');
      expect(h.providers?.find((p) => p.health === 'ERROR')?.details.length).toBeGreaterThan(0);

      await fault({ type: 'host-reboot', host, wait: true });
      estate = await client.readEstate();
      h = estate.hosts.find((x) => x.id === host)!;
      expect(h.connectionState).toBe('connected');
      expect(h.cryptoState).not.toBe('safe');
      expect(h.diskGroups!.length).toBeGreaterThan(0);
      expect(h.diskGroups!.every((g) => !g.mounted && g.keysLoaded === false)).toBe(true);
      // VM keys reach the host through vCenter, which is not isolated here; whatever the model
      // decided, the client must report each VM's crypto state exactly (the full lock story over
      // real KMIP is lab/vcenter/scenario.test.ts).
      const truth = await labState();
      const onHost = estate.vms.filter((v) => v.hostId === host && v.keyId);
      expect(onHost.length).toBeGreaterThan(0);
      for (const v of onHost) expect(v.cryptoState).toBe(truth.vms!.find((t) => t.id === v.id)!.cryptoState);
    } finally {
      await fault({ type: 'host-kms-isolation', host, on: false });
    }
    await fault({ type: 'remount', host });
    const estate = await client.readEstate();
    const h = estate.hosts.find((x) => x.id === host)!;
    expect(h.diskGroups!.every((g) => g.mounted && g.keysLoaded === true)).toBe(true);
    expect(h.cryptoState).toBe('safe');
  });

  it('reads a few hosts and their VMs fresh, the same as the full read, in a handful of requests', async () => {
    const cluster = lab.estate.clusters[0]!;
    const snapshot = await client.readHosts(cluster.hostIds);
    const estate = await client.readEstate();
    expect(snapshot.hosts.map((h) => h.id)).toEqual(cluster.hostIds);
    expect(snapshot.hosts).toEqual(estate.hosts.filter((h) => cluster.hostIds.includes(h.id)));
    const expectedVms = estate.vms.filter((v) => v.hostId && cluster.hostIds.includes(v.hostId));
    expect([...snapshot.vms].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...expectedVms].sort((a, b) => a.id.localeCompare(b.id)));
    expect(snapshot.clusters).toEqual(estate.clusters.filter((c) => c.id === cluster.id));
    expect(snapshot.requests).toBeLessThanOrEqual(3 + 2 * cluster.hostIds.length);
  });

  it('records per-host read errors for a host that is powered off instead of failing the whole read', async () => {
    const host = lab.estate.clusters[1]!.hostIds[0]!;
    await fault({ type: 'host-power-off', host });
    try {
      const estate = await client.readEstate();
      const h = estate.hosts.find((x) => x.id === host)!;
      expect(h.connectionState).not.toBe('connected');
      expect(h.providers).toBeNull();
      expect(h.diskGroups).toBeNull();
      expect(h.readErrors[0]).toMatch(/cannot report/);
      expect(estate.hosts.filter((x) => x.id !== host).every((x) => x.diskGroups !== null)).toBe(true);
    } finally {
      await fault({ type: 'host-power-on', host, wait: true });
    }
  });
});

describe('readEstate: placement, capacity, VM details and partial failures', () => {
  const TruthSchema = z.object({
    clusters: z.array(z.object({ id: z.string(), hostIds: z.array(z.string()), datastoreIds: z.array(z.string()) })),
    datastores: z.array(
      z.object({
        id: z.string(),
        capacityBytes: z.number(),
        accessible: z.boolean(),
        mounts: z.array(z.object({ hostId: z.string(), mounted: z.boolean(), accessible: z.boolean() })),
      }),
    ),
    vms: z.array(
      z.object({
        id: z.string(),
        connectionState: z.string(),
        vtpm: z.boolean(),
        ipAddress: z.string().nullable(),
        annotation: z.string().nullable(),
        kmsNodeId: z.string().nullable(),
      }),
    ),
  });
  const truth = async () => TruthSchema.parse(await labRequest('GET', '/lab/state'));

  it('reads which hosts mount each datastore, its capacity and accessibility, and each cluster’s hosts and datastores', async () => {
    const estate = await client.readEstate();
    const t = await truth();
    expect(estate.datastores.map((d) => d.id).sort()).toEqual(t.datastores.map((d) => d.id).sort());
    for (const d of estate.datastores) {
      const want = t.datastores.find((x) => x.id === d.id)!;
      expect(d.capacityBytes).toBe(want.capacityBytes);
      expect(d.accessible).toBe(want.accessible);
      expect(d.mounts).toEqual(want.mounts);
    }
    for (const c of estate.clusters) {
      const want = t.clusters.find((x) => x.id === c.id)!;
      expect(c.hostIds).toEqual(want.hostIds);
      expect(c.datastoreIds).toEqual(want.datastoreIds);
    }
  });

  it('follows a reboot without keys: the vSAN datastore loses that host’s mount and capacity', async () => {
    const cluster = lab.estate.clusters.find((c) => c.encryption === 'standard')!;
    const host = cluster.hostIds[2]!;
    const before = (await client.readEstate()).datastores.find((d) => d.id === cluster.datastoreId)!;
    await fault({ type: 'host-kms-isolation', host, on: true });
    try {
      await fault({ type: 'host-reboot', host, wait: true });
      const after = (await client.readEstate()).datastores.find((d) => d.id === cluster.datastoreId)!;
      expect(after.mounts.find((m) => m.hostId === host)?.mounted).toBe(false);
      expect(after.capacityBytes).toBeLessThan(before.capacityBytes!);
      // vSAN keeps the datastore accessible even as it shrinks (seed 000).
      expect(after.accessible).toBe(true);
      const t = (await truth()).datastores.find((d) => d.id === cluster.datastoreId)!;
      expect(after.capacityBytes).toBe(t.capacityBytes);
    } finally {
      await fault({ type: 'host-kms-isolation', host, on: false });
      await fault({ type: 'remount', host });
    }
  });

  it('reads each VM’s connection state, annotation, guest IP and vTPM as the lab has them', async () => {
    const estate = await client.readEstate();
    const t = await truth();
    expect(t.vms.some((v) => v.vtpm)).toBe(true);
    expect(t.vms.some((v) => v.annotation !== null)).toBe(true);
    for (const v of estate.vms) {
      const want = t.vms.find((x) => x.id === v.id)!;
      expect(v.connectionState).toBe(want.connectionState);
      expect(v.hasVtpm).toBe(want.vtpm);
      expect(v.ipAddress).toBe(want.ipAddress);
      expect(v.annotation).toBe(want.annotation);
    }
    const appliance = estate.vms.find((v) => t.vms.find((x) => x.id === v.id)!.kmsNodeId !== null)!;
    expect(appliance.annotation).toContain(appliance.ipAddress!);
  });

  it('leaves out ids vCenter does not know in readHosts and in reads of chosen objects', async () => {
    const cluster = lab.estate.clusters[0]!;
    const snapshot = await client.readHosts([cluster.hostIds[0]!, 'host-99999', cluster.hostIds[1]!]);
    expect(snapshot.hosts.map((h) => h.id)).toEqual([cluster.hostIds[0], cluster.hostIds[1]]);
    const vms = await client.collector.collectObjects('VirtualMachine', ['vm-99999', lab.estate.vms[0]!.id], ['name']);
    expect(vms.map((v) => v.ref.value)).toEqual([lab.estate.vms[0]!.id]);
  });

  it('NKP outage: the provider turns ERROR; a failing detail call becomes a read error, not a failed read', async () => {
    const nkp = lab.estate.options.nativeProviderId;
    await fault({ type: 'nkp-unavailable', on: true });
    try {
      let estate = await client.readEstate();
      const provider = estate.providers.find((p) => p.id === nkp)!;
      expect(provider.health).toBe('ERROR');
      expect(provider.details.join(' ')).toMatch(/not available/);
      expect(estate.readErrors).toEqual([]);
      const connected = estate.hosts.find((h) => h.connectionState === 'connected')!;
      expect(connected.providers?.find((p) => p.providerId === nkp)?.health).toBe('ERROR');
      const [status] = await client.queryCryptoKeyStatus([{ keyId: lab.estate.keys.find((k) => k.providerId === nkp)!.keyId, providerId: nkp }]);
      expect(status).toMatchObject({ keyAvailable: false, reason: 'KeyStateClusterUnreachable' });

      await fault({ type: 'provider-details-error', on: true });
      estate = await client.readEstate();
      expect(estate.hosts).toHaveLength(lab.estate.hosts.length);
      expect(estate.readErrors).toHaveLength(1);
      expect(estate.readErrors[0]).toMatchObject({ scope: 'provider', id: nkp });
      expect(estate.readErrors[0]!.message).toMatch(/HTTP 500/);
      const host = estate.hosts.find((h) => h.id === connected.id)!;
      expect(host.providers?.find((p) => p.providerId === nkp)?.health).toBe('ERROR');
      expect(host.readErrors.some((e) => /kms\/providers\/lab-nkp/.test(e))).toBe(true);
    } finally {
      await fault({ type: 'provider-details-error', on: false });
      await fault({ type: 'nkp-unavailable', on: false });
    }
    expect((await client.listKeyProviders()).find((p) => p.provider === nkp)?.health).toBe('OK');
  });
});

describe('VM and cluster operations', () => {
  const VmTruth = z.object({
    id: z.string(),
    hostId: z.string(),
    powerState: z.string(),
    connectionState: z.string(),
    cryptoState: z.string().nullable(),
    lockCause: z.string().nullable(),
    lockReason: z.string().nullable(),
    vmxPath: z.string(),
    haVmMonitoring: z.boolean(),
  });
  const StateSchema = z.object({
    vms: z.array(VmTruth),
    unregisteredVms: z.array(z.object({ vmxPath: z.string(), formerId: z.string() })),
    hosts: z.array(z.object({ id: z.string(), decommissionMode: z.string().nullable(), inMaintenanceMode: z.boolean() })),
  });
  const state = async () => StateSchema.parse(await labRequest('GET', '/lab/state'));
  const vmTruth = async (id: string) => (await state()).vms.find((v) => v.id === id);
  const wait = (task: Awaited<ReturnType<VsphereClient['powerOnVm']>>) => client.waitForTask(task, { timeoutMs: 10_000, pollIntervalMs: 10 });

  it('powers a VM off and on; powering on a running VM is an InvalidPowerState task error', async () => {
    const vm = lab.estate.vms.find((v) => v.kmsNodeIndex === null && v.keyIndex === null && lab.model.vm(v.id).powerState === 'poweredOn')!;
    await wait(await client.powerOffVm(vm.id));
    expect((await vmTruth(vm.id))?.powerState).toBe('poweredOff');
    expect((await client.readVms([vm.id]))[0]?.powerState).toBe('poweredOff');
    await wait(await client.powerOnVm(vm.id));
    expect((await client.readVms([vm.id]))[0]?.powerState).toBe('poweredOn');
    const e = await failure(client.powerOnVm(vm.id).then(wait));
    expect(e.kind).toBe('task-failed');
    expect(e.faultType).toBe('InvalidPowerState');
  });

  it('enters maintenance with ensureObjectAccessibility by default, following the task to success', async () => {
    const host = lab.estate.clusters[1]!.hostIds[1]!;
    const states: string[] = [];
    for await (const info of client.followTask(await client.enterMaintenanceMode(host), { pollIntervalMs: 10, timeoutMs: 10_000 })) states.push(info.state);
    expect(states.at(-1)).toBe('success');
    expect((await state()).hosts.find((h) => h.id === host)).toMatchObject({ inMaintenanceMode: true, decommissionMode: 'ensureObjectAccessibility' });
    await wait(await client.exitMaintenanceMode(host));
  });

  it('unregisters a VM and registers it again: a new moId, its old id gone from reads', async () => {
    const vm = lab.estate.vms.find((v) => v.kmsNodeIndex === null && v.keyIndex !== null && lab.model.vm(v.id).powerState === 'poweredOn')!;
    const registration = await client.vmRegistration(vm.id);
    expect(registration.path).toBe((await vmTruth(vm.id))?.vmxPath);
    await wait(await client.powerOffVm(vm.id));
    await client.unregisterVm(vm.id);
    expect(await client.readVms([vm.id])).toEqual([]);
    expect((await state()).unregisteredVms).toContainEqual(expect.objectContaining({ formerId: vm.id, vmxPath: registration.path }));
    const info = await wait(await client.registerVm(registration));
    const newId = MoRefResult.parse(info.result).value;
    expect(newId).not.toBe(vm.id);
    const [again] = await client.readVms([newId]);
    expect(again).toMatchObject({ id: newId, name: vm.name, hostId: registration.hostId, powerState: 'poweredOff', cryptoState: 'unlocked', lock: null });
    expect(again?.keyId).toEqual(lab.model.vm(newId).configKey);
    const e = await failure(client.registerVm(registration).then(wait));
    expect(e.faultType).toBe('AlreadyExists');
  });

  it('sets, edits and removes a VM’s HA monitoring override through ReconfigureComputeResource_Task', async () => {
    const cluster = lab.estate.clusters.find((c) => c.vmMonitoring !== 'vmMonitoringDisabled') ?? lab.estate.clusters[0]!;
    const vmId = [...lab.model.host(cluster.hostIds[0]!).vmIds].find((id) => lab.model.vm(id).haOverride === null)!;
    const before = (await client.readVms([vmId]))[0]!.haVmMonitoring;
    await wait(await client.setVmMonitoring(cluster.id, [{ vmId, operation: 'add', monitoring: before ? 'vmMonitoringDisabled' : 'vmMonitoringOnly' }]));
    expect((await client.readVms([vmId]))[0]!.haVmMonitoring).toBe(!before);
    expect((await vmTruth(vmId))?.haVmMonitoring).toBe(!before);
    const e = await failure(client.setVmMonitoring(cluster.id, [{ vmId, operation: 'add', monitoring: 'vmMonitoringOnly' }]).then(wait));
    expect(e.faultType).toBe('InvalidArgument');
    await wait(await client.setVmMonitoring(cluster.id, [{ vmId, operation: 'edit', monitoring: 'cluster' }]));
    expect((await client.readVms([vmId]))[0]!.haVmMonitoring).toBe(before);
    await wait(await client.setVmMonitoring(cluster.id, [{ vmId, operation: 'remove' }]));
    expect(lab.model.vm(vmId).haOverride).toBeNull();
  });

  it('a VM locked by a key provider outage reports why; CryptoUnlock fails while the key is unavailable and unlocks once it is back', async () => {
    const nkp = lab.estate.options.nativeProviderId;
    const cluster = lab.estate.clusters.find((c) => c.encryption !== 'native')!;
    const hostId = cluster.hostIds.find((h) => [...lab.model.host(h).vmIds].some((v) => lab.model.vm(v).configKey?.providerId === nkp))!;
    const victims = [...lab.model.host(hostId).vmIds].filter((v) => lab.model.vm(v).configKey?.providerId === nkp);
    expect(victims.length).toBeGreaterThan(0);
    await fault({ type: 'nkp-unavailable', on: true });
    try {
      const e = await failure(client.generateKey(nkp));
      expect(e.kind).toBe('fault');
      expect(e.faultType).toBe('SystemError');
      await fault({ type: 'host-reboot', host: hostId, wait: true });
      const locked = await client.readVms(victims);
      expect(locked.map((v) => v.id).sort()).toEqual([...victims].sort());
      for (const v of locked) {
        expect(v).toMatchObject({ cryptoState: 'locked', connectionState: 'invalid', lock: { cause: 'kmsClusterError', message: 'Virtual machine is locked because of a KMS cluster error.' } });
        expect((await vmTruth(v.id))?.lockCause).toBe('kmsClusterError');
      }
      const refused = await failure(client.cryptoUnlockVm(victims[0]!).then(wait));
      expect(refused.kind).toBe('task-failed');
      expect(refused.faultType).toBe('InvalidVmState');
      expect(refused.message).toMatch(/locked because of a KMS cluster error/);
      const powerOn = await failure(client.powerOnVm(victims[0]!).then(wait));
      expect(powerOn.faultType).toBe('InvalidVmState');
    } finally {
      await fault({ type: 'nkp-unavailable', on: false });
    }
    for (const id of victims) await wait(await client.cryptoUnlockVm(id));
    const unlocked = await client.readVms(victims);
    expect(unlocked.every((v) => v.cryptoState === 'unlocked' && v.connectionState === 'connected' && v.lock === null)).toBe(true);
    expect((await state()).vms.filter((v) => victims.includes(v.id)).every((v) => v.lockCause === null)).toBe(true);
  });

  it('kms-self-hosted puts the first KMS appliance VM on the encrypted vSAN datastore it protects', async () => {
    const appliance = lab.estate.vms.find((v) => v.kmsNodeIndex === 0)!;
    const standard = lab.estate.clusters.find((c) => c.encryption === 'standard')!;
    await fault({ type: 'kms-self-hosted', on: true });
    try {
      const estate = await client.readEstate();
      const vm = estate.vms.find((v) => v.id === appliance.id)!;
      expect(vm.datastoreIds).toEqual([standard.datastoreId]);
      expect(standard.hostIds).toContain(vm.hostId);
      const ds = estate.datastores.find((d) => d.id === standard.datastoreId)!;
      expect(ds.type).toBe('vsan');
      expect(estate.clusters.find((c) => c.id === standard.id)?.vsanEncryption?.providerId).toBe(lab.estate.options.standardProviderId);
    } finally {
      await fault({ type: 'kms-self-hosted', on: false });
    }
    expect((await client.readVms([appliance.id]))[0]?.datastoreIds).toEqual(['datastore-1']);
  });
});

