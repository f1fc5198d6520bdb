import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabVcenter, type LabVcenter } from '../../lab/vcenter/server';
import { startPyKmipServer, type PyKmipServer } from '../kmip/testing/pykmip-server';
import { call, startAuthHarness, type AuthHarness } from '../auth/testing/harness';
import { masterKeyFromBytes } from '../secrets/envelope';
import { getSecretBox, SecretBox } from '../secrets/keyring';
import { reencryptAllSecrets } from '../secrets/rotate';
import { applyTargetsFile, parseTargetsFile, TargetsFileError } from './config-file';
import { openKmsClientCredentials, openVcenterCredentials } from './store';

const VC_PASSWORD = `vc-pass-${randomBytes(8).toString('hex')}`;

/** Every row of every table as text, like a pg_dump of the data. */
async function dumpDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    let out = '';
    for (const { table_name } of tables) {
      const { rows } = await client.query(`SELECT t::text AS row FROM "${table_name}" t`);
      out += `-- ${table_name}\n${rows.map((r) => r.row).join('\n')}\n`;
    }
    return out;
  } finally {
    await client.end();
  }
}

/** The base64 body of a PEM key: what would leak if the key were stored in clear, in any framing. */
function pemBody(pem: string): string[] {
  return pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
}

describe('targets through the API: encrypted at rest, never returned, tested with the real clients', () => {
  let h: AuthHarness;
  let kms: PyKmipServer;
  let vcenter: LabVcenter;
  let admin: { cookie: string; csrf: string };
  let vcId: string;
  let kmsId: string;
  let csrKeyHolderId: string;
  const asAdmin = () => ({ kind: 'session' as const, ...admin });

  beforeAll(async () => {
    [h, kms, vcenter] = await Promise.all([startAuthHarness(), startPyKmipServer(), startLabVcenter({ password: VC_PASSWORD, estate: { clusters: 1, hostsPerCluster: 2 } as never })]);
    admin = await h.session('admin');
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([h?.close(), kms?.stop(), vcenter?.stop()]);
  });

  it('creates a vCenter target and answers without the password', async () => {
    const res = await call({
      pattern: '/api/v1/targets/vcenters',
      method: 'POST',
      path: '/api/v1/targets/vcenters',
      body: { name: 'lab-vc', url: vcenter.url, username: vcenter.username, password: VC_PASSWORD, caPem: vcenter.caPem },
      as: asAdmin(),
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain(VC_PASSWORD);
    const body = JSON.parse(text) as { vcenter: { id: string; hasPassword: boolean } };
    expect(body.vcenter.hasPassword).toBe(true);
    vcId = body.vcenter.id;
    const creds = await openVcenterCredentials(h.prisma, getSecretBox(), vcId);
    expect(creds.password).toBe(VC_PASSWORD);
  });

  it('tests the vCenter connection with the real vSphere client (ok, then wrong password)', async () => {
    const ok = await call({ pattern: '/api/v1/targets/vcenters/[id]/test', method: 'POST', path: `/api/v1/targets/vcenters/${vcId}/test`, params: { id: vcId }, as: asAdmin() });
    const okBody = (await ok.json()) as { ok: boolean; message: string };
    expect(okBody.ok, okBody.message).toBe(true);
    expect(okBody.message).toMatch(/2 host\(s\)/);

    const patch = await call({ pattern: '/api/v1/targets/vcenters/[id]', method: 'PATCH', path: `/api/v1/targets/vcenters/${vcId}`, params: { id: vcId }, body: { password: 'wrong-password-123' }, as: asAdmin() });
    expect(patch.status).toBe(200);
    const bad = await call({ pattern: '/api/v1/targets/vcenters/[id]/test', method: 'POST', path: `/api/v1/targets/vcenters/${vcId}/test`, params: { id: vcId }, as: asAdmin() });
    const badBody = (await bad.json()) as { ok: boolean; message: string };
    expect(badBody.ok).toBe(false);
    expect(badBody.message).not.toContain('wrong-password-123');
    await call({ pattern: '/api/v1/targets/vcenters/[id]', method: 'PATCH', path: `/api/v1/targets/vcenters/${vcId}`, params: { id: vcId }, body: { password: VC_PASSWORD }, as: asAdmin() });
  });

  it('creates a KMS provider with a client certificate + key and tests every node over KMIP', async () => {
    const res = await call({
      pattern: '/api/v1/targets/kms-providers',
      method: 'POST',
      path: '/api/v1/targets/kms-providers',
      body: { name: 'pykmip', nodes: [{ host: kms.host, port: kms.port }], caPem: kms.caPem, clientCertPem: kms.clientCertPem, clientKeyPem: kms.clientKeyPem },
      as: asAdmin(),
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    for (const line of pemBody(kms.clientKeyPem)) expect(text).not.toContain(line);
    kmsId = (JSON.parse(text) as { kmsProvider: { id: string; hasClientKey: boolean } }).kmsProvider.id;

    const test = await call({ pattern: '/api/v1/targets/kms-providers/[id]/test', method: 'POST', path: `/api/v1/targets/kms-providers/${kmsId}/test`, params: { id: kmsId }, as: asAdmin() });
    const result = (await test.json()) as { ok: boolean; message: string; details: { ok: boolean; message: string }[] };
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.details[0]!.message).toMatch(/^KMIP 1\.\d over mutual TLS/);
  });

  it('refuses a certificate whose key does not match, with a field error', async () => {
    const other = (await import('../pki/certificates')).createSelfSignedClientCertificate({ commonName: 'other' });
    const res = await call({
      pattern: '/api/v1/targets/kms-providers',
      method: 'POST',
      path: '/api/v1/targets/kms-providers',
      body: { name: 'mismatch', nodes: [{ host: kms.host, port: kms.port }], caPem: kms.caPem, clientCertPem: kms.clientCertPem, clientKeyPem: other.keyPem },
      as: asAdmin(),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fieldErrors: Record<string, string[]> };
    expect(Object.keys(body.fieldErrors)).toEqual(['clientKeyPem']);
  });

  it('generates a CSR: the CSR is shown, the new key is stored sealed and never returned', async () => {
    const created = await call({
      pattern: '/api/v1/targets/kms-providers',
      method: 'POST',
      path: '/api/v1/targets/kms-providers',
      body: { name: 'csr-kms', nodes: [{ host: 'kms-a.example.test' }, { host: 'kms-b.example.test', port: 5697 }], caPem: kms.caPem },
      as: asAdmin(),
    });
    expect(created.status).toBe(201);
    csrKeyHolderId = ((await created.json()) as { kmsProvider: { id: string } }).kmsProvider.id;
    const res = await call({ pattern: '/api/v1/targets/kms-providers/[id]/csr', method: 'POST', path: `/api/v1/targets/kms-providers/${csrKeyHolderId}/csr`, params: { id: csrKeyHolderId }, body: { commonName: 'keywatch-prod' }, as: asAdmin() });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toContain('BEGIN CERTIFICATE REQUEST');
    expect(text).not.toContain('PRIVATE KEY');
    const row = await h.prisma.kmsProvider.findUniqueOrThrow({ where: { id: csrKeyHolderId } });
    expect(row.clientKeyEnc).toMatch(/^kw1\./);
    const key = getSecretBox().open(row.clientKeyEnc!, 'KmsProvider.clientKey');
    expect(key).toContain('PRIVATE KEY');
    // Pending CSR: no certificate yet, so the client gets no key to use.
    expect((await openKmsClientCredentials(h.prisma, getSecretBox(), csrKeyHolderId)).keyPem).toBeNull();
  });

  it('lists targets without any secret', async () => {
    const vcs = await (await call({ pattern: '/api/v1/targets/vcenters', method: 'GET', path: '/api/v1/targets/vcenters', as: asAdmin() })).text();
    const kmsList = await (await call({ pattern: '/api/v1/targets/kms-providers', method: 'GET', path: '/api/v1/targets/kms-providers', as: asAdmin() })).text();
    expect(vcs).not.toContain(VC_PASSWORD);
    expect(vcs).not.toContain('passwordEnc');
    expect(kmsList).not.toContain('PRIVATE KEY');
    expect(kmsList).not.toContain('clientKeyEnc');
    for (const line of pemBody(kms.clientKeyPem)) expect(kmsList).not.toContain(line);
  });

  it('a dump of every table contains no plaintext password or private key', async () => {
    const dump = await dumpDatabase(h.db.url);
    expect(dump).toContain('lab-vc');
    expect(dump).toContain('kw1.');
    expect(dump).not.toContain(VC_PASSWORD);
    expect(dump).not.toContain('PRIVATE KEY');
    for (const line of pemBody(kms.clientKeyPem)) expect(dump).not.toContain(line);
    // The audit trail recorded the changes, without the secrets.
    expect(dump).toContain('target.vcenter.create');
    expect(dump).toContain('target.kms.csr');
  });

  it('rejects bad bodies with 400 field errors, oversized ones with 413, non-JSON with 415', async () => {
    const base = { pattern: '/api/v1/targets/vcenters', method: 'POST', path: '/api/v1/targets/vcenters', as: asAdmin() } as const;
    const invalid = await call({ ...base, body: { name: '', url: 'http://plain.example', username: 'u' } });
    expect(invalid.status).toBe(400);
    const errors = ((await invalid.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors;
    expect(Object.keys(errors).sort()).toEqual(['name', 'password', 'url']);
    expect((await call({ ...base, rawBody: '{"name": ' })).status).toBe(400);
    expect((await call({ ...base, rawBody: '[]' })).status).toBe(400);
    const huge = JSON.stringify({ name: 'x', url: 'https://x.test', username: 'u', password: 'p'.repeat(200 * 1024) });
    expect((await call({ ...base, rawBody: huge })).status).toBe(413);
    // Streamed without Content-Length: counted while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 50; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8 * 1024)));
        controller.close();
      },
    });
    const mod = (await import('../../app/api/v1/targets/vcenters/route')) as { POST: (r: Request, c: unknown) => Promise<Response> };
    const streamed = new Request('http://keywatch.test/api/v1/targets/vcenters', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { host: 'keywatch.test', origin: 'http://keywatch.test', cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
    } as RequestInit);
    expect((await mod.POST(streamed, { params: Promise.resolve({}) })).status).toBe(413);
    expect((await call({ ...base, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
  });

  it('rotates the master key: every secret re-encrypted, readable only with the new key', async () => {
    const oldBox = getSecretBox();
    const next = masterKeyFromBytes(randomBytes(32));
    const result = await reencryptAllSecrets(h.db.url, oldBox.keyring.all, next);
    expect(result.reencrypted).toBe(3);
    const newOnly = new SecretBox({ current: next, all: [next], source: 'env' });
    expect((await openVcenterCredentials(h.prisma, newOnly, vcId)).password).toBe(VC_PASSWORD);
    expect((await openKmsClientCredentials(h.prisma, newOnly, kmsId)).keyPem).toBe(kms.clientKeyPem);
    await expect(openVcenterCredentials(h.prisma, oldBox, vcId)).rejects.toThrow(/not configured/);
    const again = await reencryptAllSecrets(h.db.url, [next], next);
    expect(again).toEqual({ reencrypted: 0, alreadyCurrent: 3 });
    // Back to the process key so the remaining tests read with it.
    await reencryptAllSecrets(h.db.url, [next], oldBox.keyring.current);
  });

  it('applies a declarative targets file (secrets from env / files), re-applies idempotently, prunes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kw-targets-'));
    try {
      writeFileSync(path.join(dir, 'kms-ca.pem'), kms.caPem);
      writeFileSync(path.join(dir, 'client.pem'), kms.clientCertPem);
      writeFileSync(path.join(dir, 'client.key'), kms.clientKeyPem);
      const file = path.join(dir, 'targets.json');
      const spec = {
        vcenters: [{ name: 'gitops-vc', url: vcenter.url, username: vcenter.username, password: { env: 'GITOPS_VC_PASSWORD' }, ca: { pem: vcenter.caPem } }],
        kmsProviders: [{ name: 'gitops-kms', nodes: [{ host: kms.host, port: kms.port }], ca: { file: 'kms-ca.pem' }, clientCert: { file: 'client.pem' }, clientKey: { file: 'client.key' } }],
      };
      writeFileSync(file, JSON.stringify(spec));
      const env = { GITOPS_VC_PASSWORD: VC_PASSWORD };
      const first = await applyTargetsFile(h.prisma, getSecretBox(), file, env);
      expect(first.created.sort()).toEqual(['kms:gitops-kms', 'vcenter:gitops-vc']);
      const second = await applyTargetsFile(h.prisma, getSecretBox(), file, env);
      expect(second.created).toEqual([]);
      expect(second.updated.sort()).toEqual(['kms:gitops-kms', 'vcenter:gitops-vc']);
      const gitopsVc = await h.prisma.vcenterTarget.findUniqueOrThrow({ where: { name: 'gitops-vc' } });
      expect(gitopsVc.source).toBe('file');
      // File-managed targets cannot be edited through the API.
      const edit = await call({ pattern: '/api/v1/targets/vcenters/[id]', method: 'PATCH', path: `/api/v1/targets/vcenters/${gitopsVc.id}`, params: { id: gitopsVc.id }, body: { username: 'x' }, as: asAdmin() });
      expect(edit.status).toBe(409);
      writeFileSync(file, JSON.stringify({ ...spec, kmsProviders: [] }));
      const third = await applyTargetsFile(h.prisma, getSecretBox(), file, env);
      expect(third.removed).toEqual(['kms:gitops-kms']);
      await expect(applyTargetsFile(h.prisma, getSecretBox(), file, {})).rejects.toThrow(TargetsFileError);
      const example = path.join(import.meta.dirname, 'targets-file.example.json');
      expect(parseTargetsFile(readFileSync(example, 'utf8'), example).kmsProviders[0]!.nodes[1]!.port).toBe(5696);
      writeFileSync(file, '{"vcenters": [{"name": "x"}]}');
      await expect(applyTargetsFile(h.prisma, getSecretBox(), file, env)).rejects.toThrow(/vcenters\.0\.url/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deletes targets and audits it', async () => {
    const res = await call({ pattern: '/api/v1/targets/kms-providers/[id]', method: 'DELETE', path: `/api/v1/targets/kms-providers/${csrKeyHolderId}`, params: { id: csrKeyHolderId }, as: asAdmin() });
    expect(res.status).toBe(200);
    expect(await h.prisma.kmsNode.count({ where: { providerId: csrKeyHolderId } })).toBe(0);
    expect(await h.prisma.auditEvent.count({ where: { action: 'target.kms.delete', targetId: csrKeyHolderId } })).toBe(1);
  });
});
