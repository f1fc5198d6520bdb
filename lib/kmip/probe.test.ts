import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, parseCertificateChain } from '../pki/certificates';
import { KmipClient } from './client';
import { ResultReason } from './enums';
import { failureItem, successItem } from './messages';
import { encodeDiscoverVersionsResponse } from './operations';
import { probeKmsNode, type KmsProbeTarget } from './probe';
import { startPyKmipServer, type PyKmipServer } from './testing/pykmip-server';
import { startScriptedKmsServer } from './testing/scripted-kms-server';

let server: PyKmipServer;
let target: KmsProbeTarget;
const ids: { active: string[]; preActive: string; deactivated: string } = { active: [], preActive: '', deactivated: '' };

beforeAll(async () => {
  server = await startPyKmipServer();
  target = { host: server.host, port: server.port, caPem: server.caPem, certPem: server.clientCertPem, keyPem: server.clientKeyPem };
  const admin = new KmipClient(target);
  try {
    for (let i = 0; i < 3; i++) {
      const id = await admin.create({ name: `kek-${i}` });
      await admin.activate(id);
      ids.active.push(id);
    }
    ids.preActive = await admin.create();
    ids.deactivated = await admin.create();
    await admin.activate(ids.deactivated);
    await admin.revoke(ids.deactivated);
  } finally {
    admin.close();
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('probeKmsNode against PyKMIP', () => {
  it('reports timings, certificates, versions and per-key status in two round trips', async () => {
    const keyIds = [...ids.active, 'missing-key', ids.preActive, ids.deactivated];
    const probe = await probeKmsNode(target, { keyIds });

    expect(probe).toMatchObject({ reachable: true, healthy: false, negotiatedVersion: '1.4', roundTrips: 2 });
    expect(probe.error).toBeUndefined();
    expect(probe.versions).toEqual(expect.arrayContaining(['1.4', '1.1']));
    expect(probe.tcpConnectMs).toBeGreaterThan(0);
    expect(probe.tlsHandshakeMs).toBeGreaterThan(0);
    expect(probe.latencyMs).toBeGreaterThan(0);
    expect(probe.server?.vendorIdentification).toMatch(/PyKMIP/);
    expect(probe.server?.operations).toContain('GetAttributes');

    const serverCert = parseCertificateChain(server.serverCertPem)[0];
    expect(probe.serverCertificate?.notAfter).toBe(serverCert?.notAfter.toISOString());
    expect(probe.serverCertificate?.sans).toEqual(expect.arrayContaining(['127.0.0.1']));
    expect(probe.serverCertificate?.daysLeft).toBeGreaterThan(300);
    expect(probe.clientCertificate?.daysLeft).toBeGreaterThan(300);

    expect(probe.keys.map((k) => [k.id, k.status, k.state])).toEqual([
      ...ids.active.map((id) => [id, 'active', 'Active']),
      ['missing-key', 'not-found', undefined],
      [ids.preActive, 'not-active', 'PreActive'],
      [ids.deactivated, 'not-active', 'Deactivated'],
    ]);
    expect(probe.keys[0]).toMatchObject({ algorithm: 'Aes', lengthBits: 256, objectType: 'SymmetricKey' });
    expect(probe.keyCounts).toEqual({ active: 3, 'not-active': 2, 'not-found': 1, error: 0 });
  });

  it('is healthy when every key is active, and keeps two round trips for 300 keys', async () => {
    expect((await probeKmsNode(target, { keyIds: ids.active })).healthy).toBe(true);
    const many = Array.from({ length: 300 }, (_, i) => ids.active[i % 3] as string);
    const probe = await probeKmsNode(target, { keyIds: many });
    expect(probe.roundTrips).toBe(2);
    expect(probe.keyCounts.active).toBe(300);
  });

  it('computes days left against the given clock', async () => {
    const notAfter = parseCertificateChain(server.serverCertPem)[0]?.notAfter as Date;
    const now = new Date(notAfter.getTime() - 10.5 * 86_400_000);
    const probe = await probeKmsNode(target, { now });
    expect(probe.serverCertificate?.daysLeft).toBe(10);
    expect(probe.checkedAt).toBe(now.toISOString());
  });

  it('shows the server certificate even when it is not trusted', async () => {
    const other = createCertificateAuthority({ commonName: 'other' });
    const probe = await probeKmsNode({ ...target, caPem: other.certPem }, { keyIds: ['1'] });
    expect(probe).toMatchObject({ reachable: false, healthy: false, failure: 'server-cert-untrusted' });
    expect(probe.error).toMatch(/not signed by the trusted CA/);
    expect(probe.serverCertificate?.notAfter).toBeDefined();
    expect(probe.keys).toEqual([{ id: '1', status: 'error', message: probe.error }]);
  });
});

describe('probeKmsNode against a node that is down', () => {
  it('returns reachable:false with one sentence instead of throwing', async () => {
    const s = net.createServer().listen(0, '127.0.0.1');
    await once(s, 'listening');
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const probe = await probeKmsNode({ ...target, port }, { keyIds: ['a', 'b'] });
    expect(probe.reachable).toBe(false);
    expect(probe.failure).toBe('refused');
    expect(probe.error).toBe(`KMS 127.0.0.1:${port} refused the connection (nothing listening — is the KMS down or on another port?)`);
    expect(probe.keys.map((k) => k.status)).toEqual(['error', 'error']);
    expect(probe.roundTrips).toBe(0);
  });
});

describe('probeKmsNode against servers without a common version', () => {
  // Answers DiscoverVersions as told.
  function versionServer(answer: 'operation-not-supported' | '2.0-only') {
    return startScriptedKmsServer((request) => {
      const item = request.batchItems[0]!;
      return [
        answer === '2.0-only'
          ? successItem(item, encodeDiscoverVersionsResponse([{ major: 2, minor: 0 }]))
          : failureItem(item, ResultReason.OperationNotSupported, 'KMIP 1.0 server'),
      ];
    });
  }

  it('a server that refuses DiscoverVersions answered, so it is reachable but not healthy', async () => {
    const s = await versionServer('operation-not-supported');
    try {
      const probe = await probeKmsNode(s.target, { keyIds: ['k'] });
      expect(probe).toMatchObject({ reachable: true, healthy: false, failure: 'kmip' });
      expect(probe.error).toMatch(/DiscoverVersions: OperationNotSupported — KMIP 1.0 server/);
      expect(probe.tlsHandshakeMs).toBeGreaterThan(0);
      expect(probe.serverCertificate?.subject).toContain('CN=kms');
    } finally {
      s.close();
    }
  });

  it('a 2.0-only server has no version in common with Keywatch', async () => {
    const s = await versionServer('2.0-only');
    try {
      const probe = await probeKmsNode(s.target);
      expect(probe).toMatchObject({ reachable: true, healthy: false, versions: ['2.0'] });
      expect(probe.negotiatedVersion).toBeUndefined();
      expect(probe.error).toMatch(/no common KMIP version: server offers 2\.0, Keywatch speaks 1\.1–1\.4/);
    } finally {
      s.close();
    }
  });
});
