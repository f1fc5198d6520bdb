/**
 * The client against a real HTTPS server on loopback that replays fixture bodies and misbehaves on
 * purpose: every failure must become one VsphereError naming the vCenter, the call and the cause,
 * and no secret may appear in any message.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VsphereClient } from './client';
import { VsphereError } from './errors';
import { fixture, fixtureText, sendJson, startReplayServer, type ReplayServer } from './testing/replay-server';
import { authorized, installHappyRoutes, TEST_PASSWORD, TEST_USER, vimBase, type SessionState } from './testing/replay-routes';

let srv: ReplayServer;
let state: SessionState;
const clients: VsphereClient[] = [];
const seenMessages: string[] = [];

beforeAll(async () => {
  srv = await startReplayServer();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await srv.stop();
  // Nothing the tests provoked may echo the password or a session token.
  const all = seenMessages.join('\n');
  expect(all).not.toContain(TEST_PASSWORD);
  expect(all).not.toMatch(/api-token-\d+-secret|vim-session-\d+-secret/);
});
beforeEach(() => {
  srv.routes.clear();
  srv.requests.length = 0;
  state = installHappyRoutes(srv);
});

function client(extra: Partial<ConstructorParameters<typeof VsphereClient>[0]> = {}): VsphereClient {
  const c = new VsphereClient({ baseUrl: srv.url, username: TEST_USER, password: TEST_PASSWORD, caPem: srv.caPem, timeoutMs: 2_000, ...extra });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<VsphereError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VsphereError);
    const e = err as VsphereError;
    seenMessages.push(e.message);
    return e;
  }
  throw new Error('expected the call to fail');
}

function vcenterOf(): string {
  return new URL(srv.url).host;
}

function guardedGet(path: string, body: () => unknown) {
  srv.routes.set(`GET ${path}`, (req, res) => {
    if (!authorized(state, req.headers)) sendJson(res, 401, fixture('automation-error-unauthenticated.json'));
    else sendJson(res, 200, body());
  });
}

describe('Automation API', () => {
  it('creates a session with basic auth and sends the token on later calls', async () => {
    guardedGet('/api/vcenter/host', () => fixture('automation-hosts.json'));
    const hosts = await client().listHosts();
    expect(hosts.map((h) => h.connection_state)).toEqual(['CONNECTED', 'CONNECTED', 'NOT_RESPONDING']);
    const get = srv.requests.find((r) => r.path === '/api/vcenter/host');
    expect(get?.headers['vmware-api-session-id']).toBe(state.apiTokens[0]);
  });

  it('sends array filters as repeated query keys', async () => {
    let seenUrl = '';
    srv.routes.set('GET /api/vcenter/vm', (req, res) => {
      seenUrl = req.url;
      sendJson(res, 200, fixture('automation-vms.json'));
    });
    const c = client();
    const vms = await c.listVms({ hosts: ['host-1001', 'host-1002'], power_states: ['POWERED_ON'] });
    expect(vms).toHaveLength(3);
    expect(seenUrl).toBe('/api/vcenter/vm?hosts=host-1001&hosts=host-1002&power_states=POWERED_ON');
  });

  it('reports wrong credentials as an auth error without echoing the password', async () => {
    const e = await failure(client({ password: 'wrong-password' }).listHosts());
    expect(e.kind).toBe('auth');
    expect(e.status).toBe(401);
    expect(e.message).toContain(vcenterOf());
    expect(e.message).toContain('POST /api/session');
    expect(e.message).not.toContain('wrong-password');
  });

  it('renews an expired session once on 401 and retries the call', async () => {
    guardedGet('/api/vcenter/cluster', () => fixture('automation-clusters.json'));
    const c = client();
    await c.listClusters();
    state.revoked.add(state.apiTokens[0]!);
    const clusters = await c.listClusters();
    expect(clusters.map((x) => x.cluster)).toEqual(['domain-c101', 'domain-c102']);
    expect(srv.requests.filter((r) => r.method === 'POST' && r.path === '/api/session')).toHaveLength(2);
  });

  it('shares one renewal between concurrent calls that all get 401', async () => {
    guardedGet('/api/vcenter/cluster', () => fixture('automation-clusters.json'));
    const c = client();
    await c.listClusters();
    state.revoked.add(state.apiTokens[0]!);
    await Promise.all(Array.from({ length: 8 }, () => c.listClusters()));
    expect(srv.requests.filter((r) => r.method === 'POST' && r.path === '/api/session')).toHaveLength(2);
  });

  it('gives up with an auth error when the renewed session is refused too', async () => {
    srv.routes.set('GET /api/vcenter/cluster', (_req, res) => sendJson(res, 401, fixture('automation-error-unauthenticated.json')));
    const e = await failure(client().listClusters());
    expect(e.kind).toBe('auth');
    expect(e.call).toBe('GET /api/vcenter/cluster');
  });

  it('turns an HTML answer into a not-json error', async () => {
    srv.routes.set('GET /api/vcenter/host', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Login</body></html>');
    });
    const e = await failure(client().listHosts());
    expect(e.kind).toBe('not-json');
    expect(e.message).toMatch(/HTML instead of JSON/);
    expect(e.message).toContain('GET /api/vcenter/host');
  });

  it('turns an HTML error page with a 5xx status into an http error', async () => {
    srv.routes.set('GET /api/vcenter/host', (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
    });
    const e = await failure(client().listHosts());
    expect(e.kind).toBe('http');
    expect(e.status).toBe(502);
    expect(e.message).toMatch(/HTML body/);
  });

  it('detects a JSON body cut short (complete HTTP message)', async () => {
    const full = fixtureText('automation-hosts.json');
    srv.routes.set('GET /api/vcenter/host', (_req, res) => sendJson(res, 200, `raw:${full.slice(0, 90)}`));
    const e = await failure(client().listHosts());
    expect(e.kind).toBe('truncated-json');
    expect(e.message).toMatch(/truncated after 90 characters/);
  });

  it('detects a connection dropped in the middle of the body', async () => {
    const full = fixtureText('automation-hosts.json');
    srv.routes.set('GET /api/vcenter/host', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(full.length) });
      res.write(full.slice(0, 50));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const e = await failure(client().listHosts());
    expect(e.kind).toBe('truncated-json');
    expect(e.message).toContain('GET /api/vcenter/host');
  });

  it('rejects an unknown enum value, naming the JSON path and the field', async () => {
    const hosts = fixture<Record<string, unknown>[]>('automation-hosts.json');
    hosts[1]!.connection_state = 'FROZEN';
    srv.routes.set('GET /api/vcenter/host', (_req, res) => sendJson(res, 200, hosts));
    const e = await failure(client().listHosts());
    expect(e.kind).toBe('shape');
    expect(e.jsonPath).toBe('$[1].connection_state');
    expect(e.field).toBe('connection_state');
    expect(e.message).toContain('"FROZEN"');
    expect(e.message).toContain('GET /api/vcenter/host');
  });

  it('rejects a missing required field', async () => {
    srv.routes.set('GET /api/vcenter/crypto-manager/kms/providers', (_req, res) => sendJson(res, 200, [{ provider: 'p1', type: 'NATIVE' }]));
    const e = await failure(client().listKeyProviders());
    expect(e.kind).toBe('shape');
    expect(e.jsonPath).toBe('$[0].health');
    expect(e.message).toMatch(/required field is missing/);
  });

  it('reports 503 as service unavailable', async () => {
    srv.routes.set('GET /api/vcenter/host', (_req, res) =>
      sendJson(res, 503, { error_type: 'SERVICE_UNAVAILABLE', messages: [{ id: 'x', default_message: 'vpxd is restarting', args: [] }] }),
    );
    const e = await failure(client().listHosts());
    expect(e.kind).toBe('http');
    expect(e.status).toBe(503);
    expect(e.message).toContain('service unavailable (HTTP 503) SERVICE_UNAVAILABLE: vpxd is restarting');
  });

  it('times out a vCenter that never answers', async () => {
    srv.routes.set('GET /api/vcenter/host', () => undefined);
    const started = Date.now();
    const e = await failure(client({ timeoutMs: 300 }).listHosts());
    expect(e.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(e.message).toContain('no complete response within 300 ms');
  });

  it('verifies TLS by default and fails on an unknown CA', async () => {
    const e = await failure(client({ caPem: undefined }).listHosts());
    expect(e.kind).toBe('tls');
    expect(e.call).toBe('POST /api/session');
  });

  it('has no switch to turn TLS verification off: a rejectUnauthorized:false from untyped code is ignored', async () => {
    // The option existed until the security review (issue 15, finding 20); a caller slipping it in
    // through an untyped path must still get a verified connection, so an unknown CA fails.
    const e = await failure(client({ caPem: undefined, rejectUnauthorized: false } as never).listHosts());
    expect(e.kind).toBe('tls');
  });

  it('reads provider health, per-host providers and details', async () => {
    guardedGet('/api/vcenter/crypto-manager/kms/providers', () => fixture('automation-kms-providers.json'));
    guardedGet('/api/vcenter/crypto-manager/kms/providers/nkp-main', () => fixture('automation-kms-provider-info.json'));
    guardedGet('/api/vcenter/crypto-manager/hosts/host-1001/kms/providers', () => fixture('automation-host-kms-providers.json'));
    guardedGet('/api/vcenter/crypto-manager/hosts/host-1001/kms/providers/kmip-prod', () => fixture('automation-host-kms-provider-info.json'));
    const c = client();
    expect((await c.listKeyProviders())[0]?.health).toBe('OK');
    expect((await c.getKeyProvider('nkp-main')).native_info?.key_id).toBe('6a1f0c3e-2b4d-4e8f-9a7c-5d3b1e0f2a4c');
    expect((await c.listHostKeyProviders('host-1001')).map((p) => p.health)).toEqual(['OK', 'ERROR']);
    expect((await c.getHostKeyProvider('host-1001', 'kmip-prod')).details[0]?.args).toEqual(['esx-a01.lab.example', 'kmip-prod']);
  });

  it('negotiates the release once and falls back when hello does not exist', async () => {
    srv.routes.delete('POST /api/vcenter/system');
    const c = client();
    expect(await c.release()).toBe('8.0.1.0');
    const c2 = client();
    srv.routes.set('POST /api/vcenter/system', (req, res) => {
      expect(JSON.parse(req.body)).toEqual({ api_releases: ['8.0.3.0', '8.0.2.0', '8.0.1.0'] });
      sendJson(res, 200, { api_release: '8.0.2.0' });
    });
    expect(await c2.release()).toBe('8.0.2.0');
    expect(await c2.release()).toBe('8.0.2.0');
    expect(srv.requests.filter((r) => r.path === '/api/vcenter/system')).toHaveLength(2);
  });

  it('reports an empty hello answer as no common release', async () => {
    srv.routes.set('POST /api/vcenter/system', (_req, res) => sendJson(res, 200, { api_release: '' }));
    const e = await failure(client().release());
    expect(e.kind).toBe('release');
  });
});

describe('VI/JSON API', () => {
  const pcBase = () => `${vimBase()}/PropertyCollector/propertyCollector`;

  function guardedPost(path: string, handler: (body: unknown) => { status: number; body: unknown }) {
    srv.routes.set(`POST ${path}`, (req, res) => {
      if (!authorized(state, req.headers)) {
        sendJson(res, 500, fixture('vim-fault-not-authenticated.json'));
        return;
      }
      const out = handler(req.body ? JSON.parse(req.body) : undefined);
      sendJson(res, out.status, out.body);
    });
  }

  it('logs in, pages through RetrievePropertiesEx with the token and destroys the view', async () => {
    const page1 = fixture<{ objects: unknown[] }>('vim-retrieve-result-hosts.json');
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, (body) => {
      expect(body).toEqual(fixture('vim-retrieve-properties-ex-request.json'));
      return { status: 200, body: page1 };
    });
    guardedPost(`${pcBase()}/ContinueRetrievePropertiesEx`, (body) => {
      expect(body).toEqual({ token: '0' });
      return {
        status: 200,
        body: { _typeName: 'RetrieveResult', objects: [{ ...(page1.objects[0] as object), obj: { _typeName: 'ManagedObjectReference', type: 'HostSystem', value: 'host-1002' } }] },
      };
    });
    const hosts = await client().collector.collectAll('HostSystem', [
      'name',
      'parent',
      'runtime.connectionState',
      'runtime.powerState',
      'runtime.inMaintenanceMode',
      'runtime.cryptoState',
    ]);
    expect(hosts.map((h) => h.ref.value)).toEqual(['host-1001', 'host-1003', 'host-1002']);
    expect(hosts[1]?.props['runtime.connectionState']?._value).toBe('notResponding');
    expect(hosts[0]?.props['runtime.cryptoState']?._value).toBe('safe');
    expect(srv.requests.some((r) => r.method === 'POST' && r.path.includes('/ContainerView/') && r.path.endsWith('/DestroyView'))).toBe(true);
    const login = srv.requests.find((r) => r.path.endsWith('/Login'));
    expect(login?.path).toBe(`${vimBase()}/SessionManager/SessionManager/Login`);
  });

  it('names object, property and JSON path for an unknown enum inside a property value', async () => {
    const page = fixture<{ objects: { propSet: { val: { _value: unknown } }[] }[] }>('vim-retrieve-result-hosts.json');
    page.objects[0]!.propSet[5]!.val._value = 'halfSafe';
    delete (page as { token?: string }).token;
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, () => ({ status: 200, body: page }));
    const e = await failure(client().collector.collectAll('HostSystem', ['runtime.cryptoState']));
    expect(e.kind).toBe('shape');
    expect(e.jsonPath).toBe('$.objects[0].propSet[5].val._value');
    expect(e.message).toContain('HostSystem host-1001 property runtime.cryptoState');
    expect(e.message).toContain('"halfSafe"');
  });

  it('cancels the server-side result set when the caller stops reading early', async () => {
    const page = (token: string | undefined, host: string) => ({
      _typeName: 'RetrieveResult',
      ...(token ? { token } : {}),
      objects: [{ _typeName: 'ObjectContent', obj: { _typeName: 'ManagedObjectReference', type: 'Datastore', value: host }, propSet: [] }],
    });
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, () => ({ status: 200, body: page('t1', 'datastore-1') }));
    guardedPost(`${pcBase()}/ContinueRetrievePropertiesEx`, (body) => {
      const token = (body as { token: string }).token;
      return { status: 200, body: token === 't1' ? page('t2', 'datastore-2') : page(undefined, 'datastore-3') };
    });
    let cancelled: unknown;
    guardedPost(`${pcBase()}/CancelRetrievePropertiesEx`, (body) => {
      cancelled = body;
      return { status: 200, body: null };
    });
    const seen: string[] = [];
    for await (const chunk of client().collector.all('Datastore', ['name'], { pageSize: 1 })) {
      seen.push(...chunk.map((d) => d.ref.value));
      break;
    }
    expect(seen).toEqual(['datastore-1']);
    // Page 2 was already prefetched with token t1, so what remains on the server is t2.
    expect(cancelled).toEqual({ token: 't2' });
    expect(srv.requests.some((r) => r.path.endsWith('/DestroyView'))).toBe(true);
  });

  it('reports InvalidLogin as an auth error', async () => {
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, () => ({ status: 200, body: fixture('vim-retrieve-result-vms.json') }));
    // Only the VI/JSON login refuses, so the failure is the one under test, not the Automation session.
    srv.routes.set('POST /api/session', (_req, res) => sendJson(res, 201, 'api-token-9-secret'));
    const e = await failure(client({ password: 'nope-nope' }).collector.collectAll('VirtualMachine', ['name']));
    expect(e.kind).toBe('auth');
    expect(e.faultType).toBe('InvalidLogin');
    expect(e.message).toContain('/SessionManager/SessionManager/Login');
  });

  it('logs in again once when the session is gone (NotAuthenticated)', async () => {
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, () => ({ status: 200, body: fixture('vim-retrieve-result-vms.json') }));
    const c = client();
    await c.collector.collectAll('VirtualMachine', ['name']);
    state.revoked.add(state.vimSessions[0]!);
    const vms = await c.collector.collectAll('VirtualMachine', ['name', 'config.keyId', 'config.hardware.device']);
    expect(vms[0]?.props['config.keyId']?.providerId?.id).toBe('kmip-prod');
    expect(vms[0]?.props['config.hardware.device']?._value.filter((d) => d._typeName === 'VirtualDisk')).toHaveLength(2);
    expect(state.vimSessions).toHaveLength(2);
  });

  it('gives up with an auth error when the session is refused right after a fresh login', async () => {
    srv.routes.set(`POST ${pcBase()}/RetrievePropertiesEx`, (_req, res) => sendJson(res, 500, fixture('vim-fault-not-authenticated.json')));
    const e = await failure(client().collector.collectAll('VirtualMachine', ['name']));
    expect(e.kind).toBe('auth');
    expect(e.faultType).toBe('NotAuthenticated');
    expect(e.call).toBe(`POST ${pcBase()}/RetrievePropertiesEx`);
    expect(state.vimSessions).toHaveLength(2);
  });

  it('names the missing ServiceContent member when vCenter has no CryptoManager', async () => {
    const content = fixture<Record<string, unknown>>('vim-service-content.json');
    delete content.cryptoManager;
    srv.routes.set(`GET ${vimBase()}/ServiceInstance/ServiceInstance/content`, (_req, res) => sendJson(res, 200, content));
    const e = await failure(client().listKmipServers());
    expect(e.kind).toBe('shape');
    expect(e.field).toBe('cryptoManager');
    expect(e.message).toContain('ServiceContent has no cryptoManager (encryption not supported by this vCenter)');
  });

  it('reports other faults with their type', async () => {
    guardedPost(`${vimBase()}/HostSystem/host-1001/RebootHost_Task`, () => ({
      status: 500,
      body: { _typeName: 'InvalidState', faultMessage: [{ _typeName: 'LocalizableMessage', key: 'k', message: 'host is not in maintenance mode' }] },
    }));
    const e = await failure(client().rebootHost('host-1001'));
    expect(e.kind).toBe('fault');
    expect(e.faultType).toBe('InvalidState');
    expect(e.message).toContain('RebootHost_Task');
    expect(e.message).toContain('host is not in maintenance mode');
  });

  it('times out a task that never finishes, naming the task', async () => {
    guardedPost(`${vimBase()}/HostSystem/host-1001/EnterMaintenanceMode_Task`, (body) => {
      expect(body).toEqual(fixture('vim-enter-maintenance-mode-request.json'));
      return { status: 200, body: fixture('vim-task-moref.json') };
    });
    srv.routes.set(`GET ${vimBase()}/Task/task-5012/info`, (_req, res) => sendJson(res, 200, fixture('vim-task-info-running.json')));
    const c = client();
    const task = await c.enterMaintenanceMode('host-1001', { vsanMode: 'ensureObjectAccessibility', evacuatePoweredOffVms: false });
    const e = await failure(c.waitForTask(task, { timeoutMs: 400, pollIntervalMs: 50 }));
    expect(e.kind).toBe('task-timeout');
    expect(e.taskId).toBe('task-5012');
    expect(e.message).toContain('task task-5012 (HostSystem.enterMaintenanceMode on esx-a01.lab.example)');
    expect(e.message).toMatch(/did not finish within 0.4 s \(still running, 40%\)/);
  });

  it('reports a failed task with the fault message', async () => {
    srv.routes.set(`GET ${vimBase()}/Task/task-5014/info`, (_req, res) => sendJson(res, 200, fixture('vim-task-info-error.json')));
    const e = await failure(client().waitForTask({ _typeName: 'ManagedObjectReference', type: 'Task', value: 'task-5014' }));
    expect(e.kind).toBe('task-failed');
    expect(e.faultType).toBe('SystemError');
    expect(e.message).toContain('unable to shallow rekey powered on vm');
  });

  it('builds the shallow-rekey ReconfigVM_Task body from the VM devices', async () => {
    let sent: unknown;
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, (body) => {
      expect(JSON.stringify(body)).toContain('"obj":{"_typeName":"ManagedObjectReference","type":"VirtualMachine","value":"vm-2001"}');
      const page = fixture<{ objects: unknown[] }>('vim-retrieve-result-vms.json');
      return { status: 200, body: { _typeName: 'RetrieveResult', objects: [page.objects[0]] } };
    });
    guardedPost(`${vimBase()}/VirtualMachine/vm-2001/ReconfigVM_Task`, (body) => {
      sent = body;
      return { status: 200, body: fixture('vim-task-moref.json') };
    });
    const task = await client().shallowRekeyVm('vm-2001', { keyId: 'b71e0d2c-3f4a-4b5c-9d6e-7f8091a2b3c4', providerId: 'kmip-prod' });
    expect(task.value).toBe('task-5012');
    const spec = (sent as { spec: { crypto: unknown; deviceChange: { device: { key: number }; backing: unknown }[] } }).spec;
    expect(spec.crypto).toEqual({
      _typeName: 'CryptoSpecShallowRecrypt',
      newKeyId: { _typeName: 'CryptoKeyId', keyId: 'b71e0d2c-3f4a-4b5c-9d6e-7f8091a2b3c4', providerId: { _typeName: 'KeyProviderId', id: 'kmip-prod' } },
    });
    expect(spec.deviceChange.map((d) => d.device.key)).toEqual([2000, 2001]);
  });

  it('reads KMIP clusters, key status, KMS status via its task, and vSAN disk groups', async () => {
    const cm = `${vimBase()}/CryptoManagerKmip/CryptoManager`;
    guardedPost(`${cm}/ListKmipServers`, () => ({ status: 200, body: fixture('vim-list-kmip-servers.json') }));
    guardedPost(`${cm}/QueryCryptoKeyStatus`, (body) => {
      expect((body as { checkKeyBitMap: number }).checkKeyBitMap).toBe(3);
      return { status: 200, body: fixture('vim-query-crypto-key-status.json') };
    });
    guardedPost(`${cm}/RetrieveKmipServersStatus_Task`, () => ({
      status: 200,
      body: { _typeName: 'ManagedObjectReference', type: 'Task', value: 'task-5020' },
    }));
    srv.routes.set(`GET ${vimBase()}/Task/task-5020/info`, (_req, res) => sendJson(res, 200, fixture('vim-task-info-kmip-status.json')));
    guardedPost(`${vimBase()}/vsan/VimClusterVsanVcDiskManagementSystem/vsan-disk-management-system/QueryDiskMappings`, (body) => {
      expect(body).toEqual(fixture('vsan-query-disk-mappings-request.json'));
      return { status: 200, body: fixture('vsan-query-disk-mappings.json') };
    });
    const c = client();
    const clusters = await c.listKmipServers();
    expect(clusters.map((k) => k.managementType)).toEqual(['vCenter', 'nativeProvider']);
    const status = await c.retrieveKmipServersStatus([clusters[0]!], { pollIntervalMs: 10 });
    expect(status[0]?.servers.map((s) => s.status)).toEqual(['green', 'red']);
    const keys = await c.queryCryptoKeyStatus([{ keyId: 'c0ffee00-1111-4222-8333-444455556666', providerId: 'kmip-prod' }]);
    expect(keys[1]?.reason).toBe('KeyStateMissingInKMS');
    const groups = await c.diskGroups('host-1001');
    expect(groups).toEqual([
      {
        uuid: '52a1f3c4-7d8e-9f01-2345-6789abcdef01',
        mounted: false,
        encrypted: true,
        keysLoaded: false,
        providerId: 'kmip-prod',
        kekId: '3e9d7c41-5a2b-4f60-8c1d-2b7e9f0a6d15',
        disks: [
          { canonicalName: 'naa.55cd2e404c1a0001', vsanUuid: '52a1f3c4-7d8e-9f01-2345-6789abcdef01', capacityBytes: 781422768 * 512, role: 'cache' },
          { canonicalName: 'naa.55cd2e404c1a0002', vsanUuid: '52a1f3c4-7d8e-9f01-2345-6789abcdef02', capacityBytes: 3750748848 * 512, role: 'capacity' },
          { canonicalName: 'naa.55cd2e404c1a0003', vsanUuid: '52a1f3c4-7d8e-9f01-2345-6789abcdef03', capacityBytes: 3750748848 * 512, role: 'capacity' },
        ],
      },
    ]);
  });

  it('logs out of both sessions on close', async () => {
    guardedGet('/api/vcenter/host', () => fixture('automation-hosts.json'));
    guardedPost(`${pcBase()}/RetrievePropertiesEx`, () => ({ status: 200, body: null }));
    const c = new VsphereClient({ baseUrl: srv.url, username: TEST_USER, password: TEST_PASSWORD, caPem: srv.caPem });
    await c.listHosts();
    expect(await c.collector.collectAll('Datastore', ['name'])).toEqual([]);
    await c.close();
    expect(srv.requests.some((r) => r.method === 'DELETE' && r.path === '/api/session')).toBe(true);
    expect(srv.requests.some((r) => r.path.endsWith('/SessionManager/SessionManager/Logout'))).toBe(true);
  });
});
