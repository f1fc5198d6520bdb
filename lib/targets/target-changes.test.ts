import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAtStart, bootstrapAuth } from '../auth/bootstrap';
import { call, startAuthHarness, type AuthHarness } from '../auth/testing/harness';
import { createCertificateAuthority, issueCertificate, type PemPair } from '../pki/certificates';
import { vcenterBinding } from '../secrets/columns';
import { encryptLegacySecretForTests, masterKeyFromBytes, parseEnvelope } from '../secrets/envelope';
import { getSecretBox, loadKeyring, SecretBox } from '../secrets/keyring';
import { openKmsClientCredentials, openVcenterCredentials } from './store';

/** Issue 15, findings 5, 10 and 18: secrets go only where they were entered for, bound to their rows, under a key that is there. */
describe('target secrets follow their destination', () => {
  let h: AuthHarness;
  let admin: { cookie: string; csrf: string };
  let ca: PemPair;
  let client: PemPair;
  let other: PemPair;
  const as = () => ({ kind: 'session' as const, ...admin });

  beforeAll(async () => {
    h = await startAuthHarness();
    admin = await h.session('admin');
    ca = createCertificateAuthority({ commonName: 'kms-ca' });
    client = issueCertificate(ca, { commonName: 'keywatch', kind: 'client' });
    other = issueCertificate(ca, { commonName: 'keywatch-2', kind: 'client' });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function createVcenter(name: string): Promise<string> {
    const res = await call({ pattern: '/api/v1/targets/vcenters', method: 'POST', path: '/api/v1/targets/vcenters', body: { name, url: `https://${name}.example.test`, username: 'svc-keywatch', password: `${name}-secret-pass` }, as: as() });
    expect(res.status).toBe(201);
    return ((await res.json()) as { vcenter: { id: string } }).vcenter.id;
  }

  const patchVc = (id: string, body: Record<string, unknown>) => call({ pattern: '/api/v1/targets/vcenters/[id]', method: 'PATCH', path: `/api/v1/targets/vcenters/${id}`, params: { id }, body, as: as() });

  it('finding 5: changing a vCenter URL, user or CA needs the password again; the audit log has old and new values', async () => {
    const id = await createVcenter('vc-five');
    // Before: the stored password stayed, and "Test connection" sent it to the new URL.
    for (const change of [{ url: 'https://attacker.example' }, { username: 'root' }, { caPem: ca.certPem }]) {
      const refused = await patchVc(id, change);
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(Object.keys(((await refused.json()) as { fieldErrors: object }).fieldErrors)).toEqual(['password']);
    }
    expect((await openVcenterCredentials(h.prisma, getSecretBox(), id)).url).toBe('https://vc-five.example.test');
    // A rename alone keeps the password.
    expect((await patchVc(id, { name: 'vc-five-renamed' })).status).toBe(200);
    const moved = await patchVc(id, { url: 'https://vc-five-new.example.test', caPem: ca.certPem, password: 'entered-again-pass' });
    expect(moved.status).toBe(200);
    expect(await openVcenterCredentials(h.prisma, getSecretBox(), id)).toMatchObject({ url: 'https://vc-five-new.example.test', password: 'entered-again-pass' });
    const events = await h.prisma.auditEvent.findMany({ where: { action: 'target.vcenter.update', targetId: id }, orderBy: { at: 'asc' } });
    const changes = JSON.parse(events.at(-1)!.details!).changes;
    expect(changes.url).toEqual({ from: 'https://vc-five.example.test', to: 'https://vc-five-new.example.test' });
    expect(changes.ca.from).toBeNull();
    expect(changes.ca.to).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(changes.password).toEqual({ from: 'set', to: 'replaced' });
    expect(events.at(-1)!.details).not.toContain('entered-again-pass');
  });

  it('finding 5: changing a KMS provider\'s nodes or CA needs the client key again (or dropping it)', async () => {
    const created = await call({
      pattern: '/api/v1/targets/kms-providers',
      method: 'POST',
      path: '/api/v1/targets/kms-providers',
      body: { name: 'kms-five', nodes: [{ host: 'kms-1.example.test' }], caPem: ca.certPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem },
      as: as(),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { kmsProvider: { id: string } }).kmsProvider.id;
    const patch = (body: Record<string, unknown>) => call({ pattern: '/api/v1/targets/kms-providers/[id]', method: 'PATCH', path: `/api/v1/targets/kms-providers/${id}`, params: { id }, body, as: as() });
    const refused = await patch({ nodes: [{ host: 'evil.example', port: 5696 }] });
    expect(refused.status).toBe(400);
    expect(Object.keys(((await refused.json()) as { fieldErrors: object }).fieldErrors)).toEqual(['clientKeyPem']);
    expect((await patch({ caPem: other.certPem })).status).toBe(400);
    expect((await openKmsClientCredentials(h.prisma, getSecretBox(), id)).nodes).toEqual([{ host: 'kms-1.example.test', port: 5696 }]);
    // With the key again: accepted, and the key opens for the new nodes only.
    const moved = await patch({ nodes: [{ host: 'kms-2.example.test', port: 5696 }], clientCertPem: other.certPem, clientKeyPem: other.keyPem });
    expect(moved.status).toBe(200);
    expect((await openKmsClientCredentials(h.prisma, getSecretBox(), id)).keyPem).toBe(other.keyPem);
    const update = await h.prisma.auditEvent.findFirstOrThrow({ where: { action: 'target.kms.update', targetId: id } });
    expect(JSON.parse(update.details!).changes.nodes).toEqual({ from: ['kms-1.example.test:5696'], to: ['kms-2.example.test:5696'] });
    expect(update.details).not.toContain('PRIVATE KEY');
    // Or drop the credentials (then generate a new CSR).
    expect((await patch({ nodes: [{ host: 'kms-3.example.test', port: 5696 }], clientCertPem: null })).status).toBe(200);
    expect((await h.prisma.kmsProvider.findUniqueOrThrow({ where: { id } })).clientKeyEnc).toBeNull();
  });

  it('finding 10: an envelope copied into another row does not open there', async () => {
    const a = await createVcenter('vc-ten-a');
    const b = await createVcenter('vc-ten-b');
    const source = await h.prisma.vcenterTarget.findUniqueOrThrow({ where: { id: a } });
    // Someone with write access to the database copies A's sealed password into B (B's URL is theirs).
    await h.prisma.vcenterTarget.update({ where: { id: b }, data: { passwordEnc: source.passwordEnc } });
    // Before: the AAD was the column name only, so B opened A's password and Test sent it to B's URL.
    await expect(openVcenterCredentials(h.prisma, getSecretBox(), b)).rejects.toThrow(/failed authentication/);
    // Repointing the row itself in the database is caught the same way.
    await h.prisma.vcenterTarget.update({ where: { id: a }, data: { url: 'https://attacker.example' } });
    await expect(openVcenterCredentials(h.prisma, getSecretBox(), a)).rejects.toThrow(/failed authentication/);
  });

  it('finding 10: existing kw1 envelopes are rewritten as row-bound kw2 at start-up', async () => {
    const id = await createVcenter('vc-legacy');
    const box = getSecretBox();
    const legacy = encryptLegacySecretForTests(box.keyring.current, 'legacy-password', 'VcenterTarget.password');
    await h.prisma.vcenterTarget.update({ where: { id }, data: { passwordEnc: legacy } });
    await expect(openVcenterCredentials(h.prisma, box, id)).rejects.toThrow(/old kw1 format/);
    await bootstrapAuth(h.prisma, {}, { secrets: box, log: () => undefined });
    const row = await h.prisma.vcenterTarget.findUniqueOrThrow({ where: { id } });
    expect(parseEnvelope(row.passwordEnc).version).toBe('kw2');
    expect(box.open(row.passwordEnc, 'VcenterTarget.password', vcenterBinding(row))).toBe('legacy-password');
    expect(await h.prisma.auditEvent.count({ where: { action: 'secrets.upgrade' } })).toBe(1);
  });

  it('finding 18: start-up refuses a keyring that lacks a key the stored envelopes name, and never replaces a lost key file', async () => {
    const stranger = new SecretBox({ current: masterKeyFromBytes(Buffer.alloc(32, 9)), all: [masterKeyFromBytes(Buffer.alloc(32, 9))], source: 'env' });
    // Before: start-up went on, and every poll or Test later failed to decrypt.
    await expect(bootstrapAuth(h.prisma, {}, { secrets: stranger, log: () => undefined })).rejects.toThrow(/encrypted with master key [0-9a-f]{12}.*not in KEYWATCH_MASTER_KEY/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kw-lostkey-'));
    try {
      // The database holds envelopes, the data directory has no master.key: before, a new key was generated silently.
      await expect(bootstrapAtStart(h.db.url, { KEYWATCH_MASTER_KEY: '' }, dir)).rejects.toThrow(/master key file .* is missing/);
      expect(existsSync(path.join(dir, 'master.key'))).toBe(false);
      expect(() => loadKeyring({}, dir, { create: false })).toThrow(/restore the file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
