import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../pki/certificates';
import { describeKmipFailure, KmipTransportError } from './errors';
import { TtlvFrameReader } from './frame-reader';
import { KmipConnection, KmipConnectionPool, type KmipEndpointOptions } from './transport';
import { encodeTtlv, integer, structure } from './ttlv';
import { Tag } from './tags';

// Real sockets on loopback: small TLS servers that misbehave in one precise way each.
const ca = createCertificateAuthority({ commonName: 'transport-test CA' });
const serverPair = issueCertificate(ca, { commonName: 'kms.test', kind: 'server', sans: ['127.0.0.1', 'localhost', 'kms.test'] });
const clientPair = issueCertificate(ca, { commonName: 'keywatch', kind: 'client' });
const otherCa = createCertificateAuthority({ commonName: 'other CA' });
const day = 86_400_000;
const expiredServer = issueCertificate(ca, {
  commonName: 'kms.test',
  kind: 'server',
  sans: ['127.0.0.1'],
  notBefore: new Date(Date.now() - 30 * day),
  notAfter: new Date(Date.now() - day),
});

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

type Handler = (socket: tls.TLSSocket) => void;

async function tlsServer(handler: Handler, cert = serverPair, maxVersion: tls.SecureVersion = 'TLSv1.3'): Promise<number> {
  const server = tls.createServer(
    { cert: cert.certPem, key: cert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', maxVersion },
    handler,
  );
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** Echo server: answers every framed message with the same bytes, optionally in fragments. */
const echo =
  (fragment = 0, onMessage: () => void = () => {}): Handler =>
  (socket) => {
    const frames = new TtlvFrameReader();
    socket.on('data', (d: Buffer) =>
      frames.push(d, (frame) => {
        onMessage();
        if (!fragment) socket.write(frame);
        else for (let i = 0; i < frame.length; i += fragment) socket.write(frame.subarray(i, i + fragment));
      }),
    );
  };

const message = (n: number) =>
  encodeTtlv(structure(Tag.ResponseMessage, Array.from({ length: n }, (_, i) => integer(Tag.BatchCount, i))));

const opts = (port: number, extra: Partial<KmipEndpointOptions> = {}): KmipEndpointOptions => ({
  host: '127.0.0.1',
  port,
  caPem: ca.certPem,
  certPem: clientPair.certPem,
  keyPem: clientPair.keyPem,
  timeouts: { connectMs: 1000, handshakeMs: 1000, responseMs: 1000 },
  ...extra,
});

async function failureOf(p: Promise<unknown>): Promise<KmipTransportError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KmipTransportError);
    return err as KmipTransportError;
  }
  throw new Error('expected a transport failure');
}

async function closedPort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('framing and the pool', () => {
  it('reassembles a response delivered in 3-byte fragments and measures both phases', async () => {
    const port = await tlsServer(echo(3));
    const conn = await KmipConnection.open(opts(port));
    const msg = message(40);
    expect(await conn.request(msg)).toEqual(msg);
    expect(conn.timings.connectMs).toBeGreaterThan(0);
    expect(conn.timings.handshakeMs).toBeGreaterThan(0);
    expect(conn.tlsProtocol).toMatch(/TLSv1\.[23]/);
    expect(conn.peerCertificateChainDer().length).toBeGreaterThanOrEqual(1);
    conn.close();
  });

  it('reuses connections: ten sequential requests over a pool of two open one connection', async () => {
    let connections = 0;
    let messagesReceived = 0;
    const port = await tlsServer((s) => {
      connections++;
      echo(0, () => messagesReceived++)(s);
    });
    const pool = new KmipConnectionPool(opts(port), 2);
    for (let i = 0; i < 10; i++) expect((await pool.roundTrip(message(i))).length).toBe(message(i).length);
    expect(connections).toBe(1);
    await Promise.all(Array.from({ length: 6 }, (_, i) => pool.roundTrip(message(i))));
    expect(connections).toBe(2);
    expect(messagesReceived).toBe(16);
    pool.close();
    await expect(pool.roundTrip(message(1))).rejects.toThrow(/closed by Keywatch/);
  });

  it('rejects a response above the maximum message size from its header alone', async () => {
    const port = await tlsServer((s) => s.on('data', () => s.write(Buffer.from('42007b0100100000', 'hex'))));
    const conn = await KmipConnection.open(opts(port, { maxMessageBytes: 4096 }));
    const err = await failureOf(conn.request(message(1)));
    expect(err.failure).toBe('too-large');
  });

  it('rejects a non-KMIP answer shorter than a TTLV header without waiting for the timeout', async () => {
    const port = await tlsServer((s) => s.on('data', () => s.write('no\n')));
    const conn = await KmipConnection.open(opts(port, { timeouts: { responseMs: 5000 } }));
    const started = Date.now();
    const err = await failureOf(conn.request(message(1)));
    expect(err.failure).toBe('not-kmip');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects bytes that are not a KMIP message', async () => {
    const port = await tlsServer((s) => s.on('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const conn = await KmipConnection.open(opts(port));
    const err = await failureOf(conn.request(message(1)));
    expect(err.failure).toBe('not-kmip');
    expect(describeKmipFailure(err)).toMatch(/not a KMIP message/);
  });
});

describe('each transport failure becomes one plain sentence', () => {
  it('nothing listening', async () => {
    const port = await closedPort();
    const err = await failureOf(KmipConnection.open(opts(port)));
    expect(err.failure).toBe('refused');
    expect(describeKmipFailure(err)).toBe(
      `KMS 127.0.0.1:${port} refused the connection (nothing listening — is the KMS down or on another port?)`,
    );
  });

  it('a black hole: TCP accepted, TLS never answered', async () => {
    const server = net.createServer(() => {}).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const held: net.Socket[] = [];
    server.on('connection', (s) => held.push(s));
    cleanups.push(() => {
      held.forEach((s) => s.destroy());
      server.close();
    });
    const port = (server.address() as net.AddressInfo).port;
    const started = Date.now();
    const err = await failureOf(KmipConnection.open(opts(port, { timeouts: { handshakeMs: 300 } })));
    expect(err.failure).toBe('handshake-timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('TLS up, no KMIP answer', async () => {
    const port = await tlsServer(() => {});
    const conn = await KmipConnection.open(opts(port, { timeouts: { responseMs: 300 } }));
    const err = await failureOf(conn.request(message(1)));
    expect(err.failure).toBe('response-timeout');
    expect(err.message).toMatch(/did not answer the KMIP request in time/);
  });

  it('server certificate from an untrusted CA', async () => {
    const port = await tlsServer(echo());
    const err = await failureOf(KmipConnection.open(opts(port, { caPem: otherCa.certPem })));
    expect(err.failure).toBe('server-cert-untrusted');
    expect(err.message).toMatch(/not signed by the trusted CA/);
  });

  it('expired server certificate', async () => {
    const port = await tlsServer(echo(), expiredServer);
    const err = await failureOf(KmipConnection.open(opts(port)));
    expect(err.failure).toBe('server-cert-expired');
  });

  it('certificate issued for another name', async () => {
    const port = await tlsServer(echo());
    const err = await failureOf(KmipConnection.open(opts(port, { servername: 'other.test' })));
    expect(err.failure).toBe('hostname-mismatch');
    // The right name passes, and is sent as SNI.
    const conn = await KmipConnection.open(opts(port, { servername: 'kms.test' }));
    conn.close();
  });

  it('server refuses us for lack of a client certificate', async () => {
    const port = await tlsServer(echo());
    const err = await failureOf(
      KmipConnection.open(opts(port, { certPem: undefined, keyPem: undefined })).then((c) => c.request(message(1))),
    );
    expect(err.failure).toBe('client-cert-rejected');
    expect(describeKmipFailure(err)).toMatch(/rejected Keywatch's client certificate/);
  });

  it('client key that does not match the certificate', async () => {
    const port = await tlsServer(echo());
    const err = await failureOf(KmipConnection.open(opts(port, { keyPem: otherCa.keyPem })));
    expect(err.failure).toBe('client-cert-invalid');
  });

  it('a TLS 1.2 server that dies on the first request is "closed", not a certificate problem', async () => {
    const port = await tlsServer((s) => s.on('data', () => s.destroy()), serverPair, 'TLSv1.2');
    const conn = await KmipConnection.open(opts(port));
    expect(conn.tlsProtocol).toBe('TLSv1.2');
    const err = await failureOf(conn.request(message(1)));
    expect(['closed', 'reset']).toContain(err.failure);
  });

  it('a CA bundle that is not PEM', async () => {
    const port = await tlsServer(echo());
    const err = await failureOf(KmipConnection.open(opts(port, { caPem: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' })));
    expect(err.failure).toBe('ca-invalid');
  });

  it('connection reset while waiting for the answer', async () => {
    const port = await tlsServer((s) => {
      let requests = 0;
      s.on('data', () => (++requests === 1 ? s.write(message(1)) : s.destroy()));
    });
    const conn = await KmipConnection.open(opts(port));
    await conn.request(message(1));
    const err = await failureOf(conn.request(message(1)));
    expect(['closed', 'reset']).toContain(err.failure);
  });
});
