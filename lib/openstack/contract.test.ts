/**
 * Contract tests: every client call against the lab cloud over real HTTPS (its own CA), pinned to
 * the shapes, status codes and error bodies of shared/OPENSTACK.md and checked against the lab's
 * ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenStackLab } from '@/lab/openstack/server';
import { startQuietOpenStackLab } from '@/lab/openstack/testing';
import { idFromRef } from './barbican';
import { OpenStackClient } from './client';
import type { OpenStackCloudConfigInput } from './config';
import { OpenStackError } from './errors';
import { FIXED_KEY_ID } from './schemas';

let lab: OpenStackLab;
const clients: OpenStackClient[] = [];

function client(extra: Partial<OpenStackCloudConfigInput> = {}): OpenStackClient {
  const c = new OpenStackClient({ ...lab.watcher, ...extra });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<OpenStackError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OpenStackError);
    return err as OpenStackError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  lab = await startQuietOpenStackLab({ estate: { seed: 5, projects: 3, volumes: 30, snapshots: 8, backups: 8, cinderHosts: 2, backupHosts: 1 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await lab?.stop();
});

const migratedVolume = () => lab.estate.volumes.find((v) => lab.estate.keyOrigin.get(v.id) === 'migrated' && lab.model.liveSecret(v.keyId!))!;
const userKeyVolume = () => lab.estate.volumes.find((v) => lab.estate.keyOrigin.get(v.id) === 'barbican')!;
const fixedVolume = () => lab.estate.volumes.find((v) => v.keyId === FIXED_KEY_ID)!;

describe('Keystone v3', () => {
  it('takes the token from X-Subject-Token and reads expiry, project, roles and catalog from the body', async () => {
    const c = client();
    const before = lab.model.tokens.size;
    const info = await c.keystone.authenticate();
    expect(lab.model.tokens.size).toBe(before + 1);
    expect(info.projectId).toBe(lab.estate.serviceProject.id);
    expect(info.projectName).toBe('service');
    expect(info.userName).toBe('keywatch');
    expect(info.roles).toContain('admin');
    expect(Date.parse(info.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(info.catalog.map((e) => e.type).sort()).toEqual(['block-storage', 'identity', 'key-manager', 'volumev3']);
    expect(c.keystone.logins).toBe(1);
    // A second call reuses the token.
    await c.keystone.authenticate();
    expect(c.keystone.logins).toBe(1);
  });

  it('finds key-manager and block-storage in the catalog by region and interface', async () => {
    const c = client();
    expect((await c.keystone.endpoint('key-manager')).url).toBe(lab.urls.barbican);
    const cinder = await c.keystone.endpoint('block-storage');
    expect(cinder.url).toBe(`${lab.urls.cinder}/v3/${lab.estate.serviceProject.id}`);
    expect(cinder.serviceType).toBe('block-storage');
    const e = await failure(client({ region: 'RegionNine' }).keystone.endpoint('key-manager'));
    expect(e.kind).toBe('catalog');
    expect(e.message).toContain('no public endpoint in region RegionNine');
  });

  it('says the credentials were refused without echoing the password', async () => {
    const e = await failure(client({ password: 'not-the-password-123' }).keystone.authenticate());
    expect(e.kind).toBe('auth');
    expect(e.status).toBe(401);
    expect(e.call).toBe('POST /v3/auth/tokens');
    expect(e.message).toContain('refused the credentials of user keywatch');
    expect(e.message).toContain('(HTTP 401: The request you have made requires authentication)');
    expect(e.message).not.toContain('not-the-password-123');
    const noRole = await failure(client({ projectName: 'project-1' }).keystone.authenticate());
    expect(noRole.kind).toBe('auth');
    expect(noRole.message).toContain('has no access to project');
  });

  it('logs in again when a service refuses the token (revoked or expired early), once', async () => {
    const c = client();
    await c.barbican.listSecrets({ limit: 1 });
    await lab.fault({ type: 'revoke-tokens' });
    const page = await c.barbican.listSecrets({ limit: 1 });
    expect(page.secrets).toHaveLength(1);
    expect(c.keystone.logins).toBe(2);
  });

  it('renews the token shortly before it expires', async () => {
    const shortLab = await startQuietOpenStackLab({ estate: { volumes: 2, snapshots: 0, backups: 0 }, tokenLifetimeSeconds: 4 });
    const c = new OpenStackClient(shortLab.watcher);
    try {
      await c.barbican.listSecrets({ limit: 1 });
      expect(c.keystone.logins).toBe(1);
      // Within a quarter of the 4 s lifetime before expiry, the next call logs in first (no 401 round trip).
      await new Promise((r) => setTimeout(r, 3_200));
      const before = shortLab.model.requestCounts.barbican;
      await c.barbican.listSecrets({ limit: 1 });
      expect(c.keystone.logins).toBe(2);
      expect(shortLab.model.requestCounts.barbican - before).toBe(1);
    } finally {
      await c.close();
      await shortLab.stop();
    }
  });

  it('revokes its token on close', async () => {
    const c = new OpenStackClient(lab.watcher);
    await c.keystone.authenticate();
    const newest = [...lab.model.tokens.values()].at(-1)!;
    expect(newest.revoked).toBe(false);
    await c.close();
    expect(newest.revoked).toBe(true);
  });
});

describe('Barbican v1', () => {
  it('discovers versions: the legacy 300 document and the microversion one', async () => {
    const c = client();
    expect(await c.barbican.versions()).toEqual({ status: 300, versions: [{ id: 'v1', status: 'stable', minVersion: null, maxVersion: null }] });
    expect(await c.barbican.versions('1.1')).toEqual({ status: 300, versions: [{ id: 'v1', status: 'CURRENT', minVersion: '1.0', maxVersion: '1.1' }] });
  });

  it('answers /healthcheck without a token: OK, or 503 DISABLED BY FILE', async () => {
    const c = client();
    const ok = await c.barbican.healthcheck();
    expect(ok).toMatchObject({ status: 200, body: 'OK' });
    expect(ok.latencyMs).toBeGreaterThan(0);
    await lab.fault({ type: 'barbican-healthcheck-disabled' });
    try {
      expect(await c.barbican.healthcheck()).toMatchObject({ status: 503, body: 'DISABLED BY FILE' });
    } finally {
      await lab.fault({ type: 'barbican-healthcheck-disabled', on: false });
    }
  });

  it("lists only the token project's secrets, paged by offset with total and next", async () => {
    const c = client();
    const inProject = lab.estate.secrets.filter((s) => s.projectId === lab.estate.serviceProject.id).length;
    const first = await c.barbican.listSecrets({ limit: 2 });
    expect(first.total).toBe(inProject);
    expect(first.secrets).toHaveLength(2);
    expect(first.next).toContain('offset=2');
    expect(first.previous).toBeUndefined();
    const second = await c.barbican.listSecrets({ limit: 2, offset: 2 });
    expect(second.previous).toContain('offset=0');
    const all = await c.barbican.listAllSecrets();
    expect(all.total).toBe(inProject);
    expect(new Set(all.secrets.map((s) => idFromRef(s.secret_ref))).size).toBe(inProject);
    await expect(c.barbican.listSecrets({ limit: 101 })).rejects.toThrow(RangeError);
  });

  it('filters and sorts the list', async () => {
    const c = client();
    const all = await c.barbican.listAllSecrets();
    expect((await c.barbican.listAllSecrets({ alg: 'AES', bits: 256, secretType: 'symmetric' })).total).toBe(all.total);
    expect((await c.barbican.listAllSecrets({ bits: 512 })).total).toBe(0);
    const desc = await c.barbican.listAllSecrets({ sort: 'created:desc' });
    const created = desc.secrets.map((s) => s.created!);
    expect([...created].sort().reverse()).toEqual(created);
    const median = [...created].sort()[Math.floor(created.length / 2)]!;
    const newer = await c.barbican.listAllSecrets({ created: `gt:${median}` });
    expect(newer.secrets.every((s) => s.created! > median)).toBe(true);
    expect(newer.total).toBeLessThan(all.total);
    // acl_only: secrets that name this user in their ACL (none for the watcher).
    expect((await c.barbican.listSecrets({ aclOnly: true })).total).toBe(0);
  });

  it("reads a migrated secret's metadata and ACL (service project, the volume's user in the ACL)", async () => {
    const c = client();
    const v = migratedVolume();
    const s = await c.barbican.getSecret(v.keyId!);
    expect(s.kind).toBe('found');
    if (s.kind !== 'found') return;
    expect(s.secret).toMatchObject({ status: 'ACTIVE', secret_type: 'symmetric', algorithm: 'AES', bit_length: 256, expiration: null, creator_id: lab.estate.cinderUser.id, secret_ref: `${lab.urls.barbican}/v1/secrets/${v.keyId}` });
    const acl = await c.barbican.getAcl(v.keyId!);
    expect(acl).toEqual({ kind: 'found', acl: { read: expect.objectContaining({ users: [v.userId], 'project-access': true }) } });
    expect(c.barbican.requestsPerSecret.get(v.keyId!)).toBe(2);
  });

  it("answers 403 for a secret in another project (cannot verify) and 404 for a missing one", async () => {
    const c = client();
    const forbidden = await c.barbican.getSecret(userKeyVolume().keyId!);
    expect(forbidden.kind).toBe('forbidden');
    expect(forbidden.kind !== 'found' && forbidden.message).toContain('Secret retrieval attempt not allowed - please review your user/project privileges');
    const missing = await c.barbican.getSecret('00000000-1111-2222-3333-444444444444');
    expect(missing).toEqual({ kind: 'not-found', message: 'HTTP 404: Secret not found' });
  });

  it('hides an expired secret from the list and answers 404 for it', async () => {
    const c = client();
    const v = lab.estate.volumes.filter((x) => lab.estate.keyOrigin.get(x.id) === 'migrated' && lab.model.liveSecret(x.keyId!)).at(-1)!;
    const before = (await c.barbican.listSecrets({ limit: 1 })).total;
    await lab.fault({ type: 'expire-secret', volume: v.name });
    expect((await c.barbican.listSecrets({ limit: 1 })).total).toBe(before - 1);
    expect((await c.barbican.getSecret(v.keyId!)).kind).toBe('not-found');
  });

  it('creates key orders as Castellan does and reads them back', async () => {
    const c = client();
    const id = await c.barbican.createKeyOrder({ algorithm: 'aes', bitLength: 256, name: 'contract-test' });
    const order = await c.barbican.getOrder(id);
    expect(order).toMatchObject({ type: 'key', status: 'ACTIVE', meta: { algorithm: 'aes', bit_length: 256, name: 'contract-test' } });
    expect(order.secret_ref).toMatch(/\/v1\/secrets\/[0-9a-f-]{36}$/);
    await lab.fault({ type: 'barbican-orders', mode: 'error' });
    try {
      const failed = await c.barbican.getOrder(await c.barbican.createKeyOrder({ algorithm: 'aes', bitLength: 256 }));
      expect(failed).toMatchObject({ status: 'ERROR', error_status_code: '500' });
      expect(failed.error_reason).toContain('failure seen');
    } finally {
      await lab.fault({ type: 'barbican-orders', mode: 'ok' });
    }
    const orders = await c.barbican.listAllOrders();
    expect(orders.map((o) => idFromRef(o.order_ref))).toContain(id);
    expect(orders).toHaveLength(2);
  });

  it('classifies the ways Barbican fails', async () => {
    const c = client();
    await c.barbican.listSecrets({ limit: 1 });
    const cases: [Record<string, unknown>, Record<string, unknown>, OpenStackError['kind'], RegExp][] = [
      [{ type: 'barbican-keystone-unreachable' }, { type: 'barbican-keystone-unreachable', on: false }, 'keystone-unavailable', /HTTP 503\): The server is currently unavailable\. Please try again at a later time\. The Keystone service is temporarily unavailable\./],
      [{ type: 'barbican-backend-error' }, { type: 'barbican-backend-error', on: false }, 'server', /HTTP 500: Secret\(s\) retrieval failure seen - please contact site administrator\./],
      [{ type: 'barbican-down', mode: 'http-503' }, { type: 'barbican-up' }, 'unavailable', /service unavailable \(HTTP 503\)$|service unavailable \(HTTP 503\)\./],
      // A pooled keep-alive connection sees the close first; a new one is refused.
      [{ type: 'barbican-down' }, { type: 'barbican-up' }, 'network', /connection refused|other side closed/],
    ];
    for (const [on, off, kind, pattern] of cases) {
      await lab.fault(on);
      try {
        const e = await failure(c.barbican.listSecrets({ limit: 1 }));
        expect(e.kind).toBe(kind);
        expect(e.message).toMatch(pattern);
        expect(e.message).not.toContain('\n');
      } finally {
        await lab.fault(off);
      }
    }
    expect((await c.barbican.listSecrets({ limit: 1 })).secrets).toHaveLength(1);
  });
});

describe('Cinder v3', () => {
  it('discovers the microversion range', async () => {
    expect(await client().cinder.versions()).toEqual([{ id: 'v3.0', status: 'CURRENT', maxVersion: '3.71', minVersion: '3.0' }]);
  });

  it("lists every project's volumes page by page with a count, hiding the all-zero key ID", async () => {
    const c = client();
    const { items, count, pages } = await c.cinder.listVolumes({ allTenants: true, pageSize: 7 });
    expect(count).toBe(lab.estate.volumes.length);
    expect(pages).toBe(Math.ceil(lab.estate.volumes.length / 7) + (lab.estate.volumes.length % 7 === 0 ? 1 : 0));
    expect(new Set(items.map((v) => v.id))).toEqual(new Set(lab.estate.volumes.map((v) => v.id)));
    for (const v of items) {
      const truth = lab.model.volumesById.get(v.id)!;
      expect(v.encrypted).toBe(truth.keyId !== null);
      expect(v.encryption_key_id).toBe(truth.keyId && truth.keyId !== FIXED_KEY_ID ? truth.keyId : undefined);
      expect(v['os-vol-host-attr:host']).toBe(truth.host);
      expect(v['os-vol-tenant-attr:tenant_id']).toBe(truth.projectId);
      expect(v.volume_type_id).toBe(truth.typeId);
      expect(v.user_id).toBe(truth.userId);
    }
    // Without all_tenants: only the token's own project (none here).
    expect((await c.cinder.listVolumes()).items).toHaveLength(0);
  });

  it('shows the all-zero ID only through GET …/volumes/{id}/encryption', async () => {
    const c = client();
    expect(await c.cinder.volumeEncryption(fixedVolume().id)).toEqual({ encryption_key_id: FIXED_KEY_ID, control_location: 'front-end', cipher: 'aes-xts-plain64', key_size: 256, provider: 'luks' });
    const plain = lab.estate.volumes.find((v) => v.keyId === null)!;
    expect(await c.cinder.volumeEncryption(plain.id)).toEqual({ encryption_key_id: null });
    const e = await failure(c.cinder.volumeEncryption('no-such-volume'));
    expect(e.kind).toBe('not-found');
    expect(e.message).toContain('Volume no-such-volume could not be found.');
  });

  it('reads volume-type encryption and services', async () => {
    const c = client();
    expect(await c.cinder.typeEncryption(lab.estate.luksType.id)).toEqual({ volumeTypeId: lab.estate.luksType.id, provider: 'luks', cipher: 'aes-xts-plain64', keySize: 256, controlLocation: 'front-end' });
    expect(await c.cinder.typeEncryption(lab.estate.volumeTypes[0]!.id)).toBeNull();
    const services = await c.cinder.services();
    expect(services.map((s) => `${s.binary} ${s.host} ${s.state}/${s.status}`).sort()).toEqual([
      'cinder-backup cinder-1 up/enabled',
      'cinder-scheduler controller-1 up/enabled',
      'cinder-volume cinder-1@lvm up/enabled',
      'cinder-volume cinder-2@lvm up/enabled',
    ]);
    expect((await c.cinder.services('cinder-volume')).map((s) => s.host)).toEqual(['cinder-1@lvm', 'cinder-2@lvm']);
  });

  it('lists snapshots and backups; backups hide the all-zero key ID too', async () => {
    const c = client();
    const snaps = await c.cinder.listSnapshots({ allTenants: true });
    expect(snaps.count).toBe(lab.estate.snapshots.length);
    expect(snaps.items.map((s) => s.volume_id).sort()).toEqual(lab.estate.snapshots.map((s) => s.volumeId).sort());
    const backups = await c.cinder.listBackups({ allTenants: true, pageSize: 3 });
    expect(backups.count).toBe(lab.estate.backups.length);
    for (const b of backups.items) {
      const truth = lab.estate.backups.find((x) => x.id === b.id)!;
      expect(b.encryption_key_id).toBe(truth.keyId && truth.keyId !== FIXED_KEY_ID ? truth.keyId : undefined);
      expect(b['os-backup-project-attr:project_id']).toBe(truth.projectId);
    }
  });

  it('refuses admin calls for a member', async () => {
    const member = lab.estate.users.find((u) => u.name === 'project-1-user-1')!;
    const c = client({ username: member.name, password: member.password, projectName: 'project-1' });
    const e = await failure(c.cinder.services());
    expect(e.kind).toBe('forbidden');
    expect(e.message).toContain("Policy doesn't allow volume_extension:services:index to be performed.");
    // all_tenants is ignored for non-admins: only project-1's volumes.
    const own = await c.cinder.listVolumes({ allTenants: true });
    expect(own.items.every((v) => v['os-vol-tenant-attr:tenant_id'] === lab.estate.projects.find((p) => p.name === 'project-1')!.id)).toBe(true);
    expect(own.items[0]?.['os-vol-host-attr:host']).toBeUndefined();
  });

  it('answers 406 for a microversion above the maximum', async () => {
    await lab.fault({ type: 'cinder-max-microversion', version: '3.60' });
    try {
      const e = await failure(client().cinder.listVolumes({ allTenants: true }));
      expect(e.kind).toBe('microversion');
      expect(e.status).toBe(406);
      expect(e.message).toContain('Version 3.64 is not supported by the API. Minimum is 3.0 and maximum is 3.60.');
    } finally {
      await lab.fault({ type: 'cinder-max-microversion', version: '3.71' });
    }
  });
});

describe('lab routes', () => {
  const labCall = async (method: 'GET' | 'POST', path: string, body?: unknown, auth = true) => {
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connect: { ca: lab.caPem } });
    try {
      const res = await request(`${lab.urls.keystone}${path}`, {
        method,
        dispatcher: agent,
        headers: { ...(auth ? { authorization: `Basic ${Buffer.from(`${lab.admin.username}:${lab.admin.password}`).toString('base64')}` } : {}), 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    } finally {
      await agent.close();
    }
  };

  it('needs HTTP Basic, validates faults and serves the ground truth', async () => {
    expect((await labCall('GET', '/lab/state', undefined, false)).status).toBe(401);
    const bad = await labCall('POST', '/lab/faults', { type: 'cinder-service', host: 'cinder-9@lvm', down: true });
    expect(bad).toMatchObject({ status: 404, body: { error: expect.stringContaining('No cinder-volume service runs on cinder-9@lvm') } });
    const invalid = await labCall('POST', '/lab/faults', { type: 'delete-secret' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toContain('give exactly one of secretId, volume, backup');
    const state = await labCall('GET', '/lab/state?rows=true');
    expect(state.status).toBe(200);
    expect((state.body.counts as { volumes: { total: number } }).volumes.total).toBe(lab.estate.volumes.length);
    expect((state.body.rows as { volumes: unknown[] }).volumes).toHaveLength(lab.estate.volumes.length);
  });
});
