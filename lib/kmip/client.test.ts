import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../pki/certificates';
import { KmipClient, type KmipClientOptions } from './client';
import { Operation, ResultReason, State } from './enums';
import { describeKmipFailure, KmipError, KmipTransportError } from './errors';
import { successItem } from './messages';
import { decodeIdentifierResponse, encodeDiscoverVersionsResponse, encodeIdentifierResponse, nameAttribute } from './operations';
import { startPyKmipServer, type PyKmipServer } from './testing/pykmip-server';
import { startScriptedKmsServer } from './testing/scripted-kms-server';

// Against PyKMIP's real server (Debian python3-pykmip), started once for the file.
let server: PyKmipServer;
let client: KmipClient;
const extraClients: KmipClient[] = [];

const options = (extra: Partial<KmipClientOptions> = {}): KmipClientOptions => ({
  host: server.host,
  port: server.port,
  caPem: server.caPem,
  certPem: server.clientCertPem,
  keyPem: server.clientKeyPem,
  timeouts: { connectMs: 2000, handshakeMs: 3000, responseMs: 10000 },
  ...extra,
});

const another = (extra: Partial<KmipClientOptions> = {}): KmipClient => {
  const c = new KmipClient(options(extra));
  extraClients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startPyKmipServer();
  client = new KmipClient(options());
});

afterAll(async () => {
  client?.close();
  extraClients.forEach((c) => c.close());
  await server?.stop();
});

describe('KmipClient against PyKMIP', () => {
  it('discovers versions and negotiates the highest common one at or below 1.4', async () => {
    const versions = await client.discoverVersions();
    expect(versions).toContainEqual({ major: 1, minor: 4 });
    expect(versions).toContainEqual({ major: 1, minor: 1 });
    expect(await client.negotiatedVersion()).toEqual({ major: 1, minor: 4 });
  });

  it('queries operations and server identity', async () => {
    const q = await client.query();
    expect(q.operations).toEqual(expect.arrayContaining([Operation.Create, Operation.GetAttributes, Operation.DiscoverVersions]));
    expect(q.vendorIdentification).toMatch(/PyKMIP/);
  });

  it('creates, activates and reads keys back in one batched GetAttributes: active, missing, pre-active', async () => {
    const active = await client.create({ name: 'vsan-kek' });
    await client.activate(active);
    const preActive = await client.create();
    const before = client.messagesSent;

    const results = await client.getAttributes([active, 'no-such-key', preActive]);

    expect(client.messagesSent - before).toBe(1);
    expect(results.map((r) => r.id)).toEqual([active, 'no-such-key', preActive]);
    const [a, missing, pre] = results;
    expect(a).toMatchObject({ ok: true, summary: { state: State.Active, cryptographicAlgorithm: 3, cryptographicLength: 256 } });
    expect(pre).toMatchObject({ ok: true, summary: { state: State.PreActive } });
    expect(missing?.ok).toBe(false);
    if (missing && !missing.ok) {
      expect(missing.error).toBeInstanceOf(KmipError);
      expect(missing.error.resultReason).toBe(ResultReason.ItemNotFound);
    }
    expect((await client.locate()).uniqueIdentifiers).toEqual(expect.arrayContaining([active, preActive]));
    expect((await client.locate([nameAttribute('vsan-kek')])).uniqueIdentifiers).toEqual([active]);
  });

  it('splits a large batch when a maximum batch size is set, keeping the order of answers', async () => {
    const key = await client.create();
    const ids = Array.from({ length: 150 }, (_, i) => (i % 50 === 7 ? key : `missing-${i}`));
    const chunked = another({ maxBatchItems: 64 });
    const results = await chunked.getAttributes(ids);
    expect(chunked.messagesSent).toBe(1 /* DiscoverVersions */ + 3);
    expect(results).toHaveLength(150);
    results.forEach((r, i) => {
      expect(r.id).toBe(ids[i]);
      expect(r.ok).toBe(ids[i] === key);
    });
  });

  it('revokes and destroys a key; Get only returns material when asked and never prints it', async () => {
    const id = await client.create();
    await client.activate(id);
    const got = await client.get(id);
    expect(got.keyBlock?.keyMaterial?.byteLength).toBe(32);
    expect(JSON.stringify(got)).toContain('redacted');
    await client.revoke(id);
    const [revoked] = await client.getAttributes([id]);
    expect(revoked).toMatchObject({ ok: true, summary: { state: State.Deactivated } });
    await client.destroy(id);
    const [gone] = await client.getAttributes([id]);
    expect(gone?.ok).toBe(false);
  });

  it('reports a KMIP-level failure with the server’s reason', async () => {
    const err = await client.activate('does-not-exist').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipError);
    expect(describeKmipFailure(err, client.endpoint)).toMatch(/refused Activate: ItemNotFound/);
  });
});

describe('KmipClient transport failures against PyKMIP', () => {
  it('wrong CA bundle', async () => {
    const other = createCertificateAuthority({ commonName: 'not the KMS CA' });
    const err = await another({ caPem: other.certPem }).discoverVersions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipTransportError);
    expect((err as KmipTransportError).failure).toBe('server-cert-untrusted');
  });

  it('no client certificate', async () => {
    const err = await another({ certPem: undefined, keyPem: undefined }).discoverVersions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipTransportError);
    expect((err as KmipTransportError).failure).toBe('client-cert-rejected');
  });

  it('expired client certificate', async () => {
    const day = 86_400_000;
    const pair = issueCertificate(server.ca, {
      commonName: 'keywatch-old',
      kind: 'client',
      notBefore: new Date(Date.now() - 400 * day),
      notAfter: new Date(Date.now() - day),
    });
    const err = await another({ certPem: pair.certPem, keyPem: pair.keyPem }).discoverVersions().catch((e: unknown) => e);
    expect((err as KmipTransportError).failure).toBe('client-cert-rejected');
    expect(describeKmipFailure(err)).toMatch(/rejected Keywatch's client certificate \(missing, expired/);
  });

  it('client certificate from a CA the KMS does not trust', async () => {
    const rogue = createCertificateAuthority({ commonName: 'rogue' });
    const pair = issueCertificate(rogue, { commonName: 'intruder', kind: 'client' });
    const err = await another({ certPem: pair.certPem, keyPem: pair.keyPem }).discoverVersions().catch((e: unknown) => e);
    expect((err as KmipTransportError).failure).toBe('client-cert-rejected');
  });
});

// After every other PyKMIP test on purpose: it stops the file's server (afterAll's stop() is then a no-op).
describe('server stopped mid-test', () => {
  it('turns the stop into a plain sentence, then "refused" once nothing listens', async () => {
    const c = another();
    expect((await c.query()).vendorIdentification).toMatch(/PyKMIP/);
    await server.stop();
    const first = await c.query().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(KmipTransportError);
    expect(['closed', 'reset', 'refused']).toContain((first as KmipTransportError).failure);
    const second = await c.query().catch((e: unknown) => e);
    expect((second as KmipTransportError).failure).toBe('refused');
    expect(describeKmipFailure(second)).toBe(
      `KMS 127.0.0.1:${server.port} refused the connection (nothing listening — is the KMS down or on another port?)`,
    );
  });
});

describe('KmipClient matching answers to batch items, against a scripted server', () => {
  it('matches answers by position when the server leaves out batch item IDs and answered every item', async () => {
    const kms = await startScriptedKmsServer((request) =>
      request.batchItems.map((b, i) => ({
        operation: b.operation,
        resultStatus: 0,
        payload: b.operation === Operation.DiscoverVersions ? encodeDiscoverVersionsResponse([{ major: 1, minor: 2 }]) : encodeIdentifierResponse({ uniqueIdentifier: `answer-${i}` }),
      })),
    );
    const c = new KmipClient(kms.target);
    try {
      expect(await c.negotiatedVersion()).toEqual({ major: 1, minor: 2 });
      const outcomes = await c.send([0, 1, 2].map(() => ({ operation: Operation.Activate, payload: [] })));
      expect(outcomes.map((o) => o.ok && o.item.payload)).toEqual([0, 1, 2].map((i) => encodeIdentifierResponse({ uniqueIdentifier: `answer-${i}` })));
    } finally {
      c.close();
      kms.close();
    }
  });

  it('matches answers by batch item ID when they come out of order, and fails the unanswered ones', async () => {
    const kms = await startScriptedKmsServer((request) => {
      const [first] = request.batchItems;
      if (first?.operation === Operation.DiscoverVersions) return [successItem(first, encodeDiscoverVersionsResponse([{ major: 1, minor: 4 }]))];
      // Every item but the first, answered last to first; the answer names the item by its ID's low byte.
      return request.batchItems
        .slice(1)
        .reverse()
        .map((b) => successItem(b, encodeIdentifierResponse({ uniqueIdentifier: `answer-${b.uniqueBatchItemId?.[3]}` })));
    });
    const c = new KmipClient(kms.target);
    try {
      const outcomes = await c.send([0, 1, 2, 3].map(() => ({ operation: Operation.Activate, payload: [] })));
      expect(outcomes[0]).toMatchObject({ ok: false, error: { resultReason: ResultReason.OperationCanceledByRequester, operation: Operation.Activate } });
      expect(outcomes.slice(1).map((o) => o.ok && decodeIdentifierResponse(o.item.payload ?? []).uniqueIdentifier)).toEqual(['answer-1', 'answer-2', 'answer-3']);
    } finally {
      c.close();
      kms.close();
    }
  });
});
