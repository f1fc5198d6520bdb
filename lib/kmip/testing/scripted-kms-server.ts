import { once } from 'node:events';
import type net from 'node:net';
import { createServer } from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '../../pki/certificates';
import { TtlvFrameReader } from '../frame-reader';
import { decodeRequestMessage, encodeResponseMessage, type RequestMessage, type ResponseBatchItem } from '../messages';
import { TtlvDecodeError } from '../ttlv';

/**
 * A minimal KMIP responder over mutual TLS, on our own codec, whose answers a test scripts: for
 * server behaviours neither PyKMIP nor the lab KMS shows (no batch item IDs, no common version).
 */
export interface ScriptedKmsServer {
  /** Connection options for KmipClient / probeKmsNode, with a client certificate the server trusts. */
  target: { host: string; port: number; caPem: string; certPem: string; keyPem: string };
  close(): void;
}

export async function startScriptedKmsServer(answer: (request: RequestMessage) => ResponseBatchItem[]): Promise<ScriptedKmsServer> {
  const ca = createCertificateAuthority({ commonName: 'scripted KMS CA' });
  const server = issueCertificate(ca, { commonName: 'kms', kind: 'server', sans: ['127.0.0.1'] });
  const client = issueCertificate(ca, { commonName: 'kw', kind: 'client' });
  const tlsServer = createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket) => {
    const frames = new TtlvFrameReader();
    socket.on('data', (chunk: Buffer) => {
      try {
        frames.push(chunk, (frame) => {
          const request = decodeRequestMessage(frame);
          socket.write(
            encodeResponseMessage({
              header: { protocolVersion: request.header.protocolVersion, timeStamp: new Date() },
              batchItems: answer(request),
            }),
          );
        });
      } catch (error) {
        // Not a request this server can read: hang up, as its tests only script well-formed talk.
        if (!(error instanceof TtlvDecodeError)) throw error;
        socket.destroy();
      }
    });
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const { port } = tlsServer.address() as net.AddressInfo;
  return {
    target: { host: '127.0.0.1', port, caPem: ca.certPem, certPem: client.certPem, keyPem: client.keyPem },
    close: () => tlsServer.close(),
  };
}
