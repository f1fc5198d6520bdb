import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, type PemPair } from '@/lib/pki/certificates';
import { Operation, ResultReason, ResultStatus } from '@/lib/kmip/enums';
import { decodeResponseMessage, encodeRequestMessage } from '@/lib/kmip/messages';
import { TtlvFrameReader } from '@/lib/kmip/frame-reader';
import { KeyStore } from './key-store';
import { LabKmsNode } from './node';

/** Raw mutual-TLS session to a node: send bytes, read whole TTLV frames, see when it closes. */
async function rawSession(node: LabKmsNode, ca: string, client: PemPair) {
  const socket = tls.connect({ host: '127.0.0.1', port: node.port, ca, cert: client.certPem, key: client.keyPem, servername: 'localhost' });
  await once(socket, 'secureConnect');
  const reader = new TtlvFrameReader();
  const frames: Buffer[] = [];
  let closed = false;
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk, (frame) => frames.push(frame));
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('close', () => {
    closed = true;
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('error', () => undefined);
  const readFrame = async (): Promise<Buffer | 'closed'> => {
    for (;;) {
      const frame = frames.shift();
      if (frame) return frame;
      if (closed) return 'closed';
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, readFrame, isClosed: () => closed };
}

const discoverVersions = () => encodeRequestMessage({ header: { protocolVersion: { major: 1, minor: 1 } }, batchItems: [{ operation: Operation.DiscoverVersions, payload: [] }] });

describe('lab KMS node on the wire', () => {
  let ca: PemPair;
  let client: PemPair;
  let node: LabKmsNode;

  beforeAll(async () => {
    ca = createCertificateAuthority({ commonName: 'Node Test CA' });
    client = issueCertificate(ca, { commonName: 'raw', kind: 'client' });
    const server = issueCertificate(ca, { commonName: 'kms-x', kind: 'server', sans: ['localhost', '127.0.0.1'], keyPem: client.keyPem });
    node = await LabKmsNode.start({ id: 'kms-x', host: '127.0.0.1', port: 0, serverCertificate: server, caPem: ca.certPem, store: KeyStore.inMemory() });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('answers several requests on one session, including two sent in one write, in order', async () => {
    const session = await rawSession(node, ca.certPem, client);
    const one = discoverVersions();
    session.socket.write(Buffer.concat([one, one]));
    for (let i = 0; i < 2; i++) {
      const frame = await session.readFrame();
      expect(frame).not.toBe('closed');
      expect(decodeResponseMessage(frame as Buffer).batchItems[0]?.resultStatus).toBe(ResultStatus.Success);
    }
    // A request split across many small writes is reassembled.
    for (const byte of one) session.socket.write(Buffer.from([byte]));
    const frame = await session.readFrame();
    expect(decodeResponseMessage(frame as Buffer).batchItems[0]?.operation).toBe(Operation.DiscoverVersions);
    session.socket.destroy();
  });

  it('answers a frame that is not a KMIP message with Invalid Message and closes the session', async () => {
    const session = await rawSession(node, ca.certPem, client);
    session.socket.write('GET / HTTP/1.1\r\nHost: kms\r\n\r\n');
    const frame = await session.readFrame();
    expect(frame).not.toBe('closed');
    const response = decodeResponseMessage(frame as Buffer);
    expect(response.batchItems[0]).toMatchObject({ resultStatus: ResultStatus.OperationFailed, resultReason: ResultReason.InvalidMessage });
    expect(await session.readFrame()).toBe('closed');
  });

  it('answers a greeting shorter than a TTLV header at once, from its first byte', async () => {
    const session = await rawSession(node, ca.certPem, client);
    session.socket.write('hi\n');
    const frame = await session.readFrame();
    expect(decodeResponseMessage(frame as Buffer).batchItems[0]).toMatchObject({ resultReason: ResultReason.InvalidMessage, resultMessage: expect.stringMatching(/0x68/) });
    expect(await session.readFrame()).toBe('closed');
  });

  it('refuses a frame that declares more than the maximum size without waiting for it', async () => {
    const session = await rawSession(node, ca.certPem, client);
    const header = Buffer.from([0x42, 0x00, 0x78, 0x01, 0x10, 0x00, 0x00, 0x00]); // Request Message, 256 MiB
    session.socket.write(header);
    const frame = await session.readFrame();
    expect(decodeResponseMessage(frame as Buffer).batchItems[0]?.resultMessage).toMatch(/maximum/);
    expect(await session.readFrame()).toBe('closed');
  });

  it('keeps serving other sessions after a client hangs up mid-message', async () => {
    const broken = await rawSession(node, ca.certPem, client);
    broken.socket.write(discoverVersions().subarray(0, 20));
    broken.socket.destroy();
    const healthy = await rawSession(node, ca.certPem, client);
    healthy.socket.write(discoverVersions());
    const frame = await healthy.readFrame();
    expect(decodeResponseMessage(frame as Buffer).batchItems[0]?.resultStatus).toBe(ResultStatus.Success);
    healthy.socket.destroy();
  });
});
