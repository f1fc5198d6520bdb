import { X509Certificate, createPrivateKey, createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import {
  CertificateBundleError,
  createCertificateAuthority,
  createSelfSignedClientCertificate,
  generateClientCsr,
  issueCertificate,
  parseCertificateChain,
  summarizeDerCertificate,
  validateClientBundle,
  type CertificateBundleErrorCode,
} from './certificates';

const ca = createCertificateAuthority({ commonName: 'Keywatch Test CA' });
const server = issueCertificate(ca, { commonName: 'kms-1', kind: 'server', sans: ['localhost', '127.0.0.1', '::1'] });
const client = issueCertificate(ca, { commonName: 'keywatch', kind: 'client' });

function bundleError(fn: () => unknown): CertificateBundleError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CertificateBundleError);
    return error as CertificateBundleError;
  }
  throw new Error('expected a CertificateBundleError');
}

function expectCode(fn: () => unknown, code: CertificateBundleErrorCode, messagePart: RegExp): void {
  const error = bundleError(fn);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(messagePart);
  // One plain sentence, no stack-trace noise.
  expect(error.message).not.toContain('\n');
}

describe('certificate authority and issued certificates', () => {
  it('creates a CA that is a CA, self-issued, valid about ten years', () => {
    const [summary] = parseCertificateChain(ca.certPem);
    expect(summary?.isCA).toBe(true);
    expect(summary?.subject).toBe('CN=Keywatch Test CA');
    expect(summary?.issuer).toBe('CN=Keywatch Test CA');
    expect(summary?.daysLeft).toBeGreaterThanOrEqual(3649);
    expect(summary?.daysLeft).toBeLessThanOrEqual(3650);
    expect(new X509Certificate(ca.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('issues a server certificate with serverAuth EKU and DNS + IP SANs, signed by the CA', () => {
    const x509 = new X509Certificate(server.certPem);
    expect(x509.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(x509.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);
    const [summary] = parseCertificateChain(server.certPem);
    expect(summary?.sans).toEqual(['localhost', '127.0.0.1', '0:0:0:0:0:0:0:1']);
    expect(summary?.isCA).toBe(false);
    expect(summary?.issuer).toBe('CN=Keywatch Test CA');
  });

  it('issues a client certificate with clientAuth EKU only', () => {
    const x509 = new X509Certificate(client.certPem);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(x509.subject).toBe('CN=keywatch');
  });

  it('honours explicit validity windows (expired and future certificates)', () => {
    const expired = issueCertificate(ca, {
      commonName: 'old',
      kind: 'server',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    const [summary] = parseCertificateChain(expired.certPem, new Date('2021-01-11T00:00:00Z'));
    expect(summary?.notAfter.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(summary?.daysLeft).toBe(-10);
    expect(() => issueCertificate(ca, { commonName: 'x', kind: 'client', notBefore: new Date('2022-01-01'), notAfter: new Date('2021-01-01') })).toThrow(/notAfter/);
  });

  it('reuses a given key for renewal', () => {
    const renewed = issueCertificate(ca, { commonName: 'keywatch', kind: 'client', keyPem: client.keyPem });
    expect(new X509Certificate(renewed.certPem).checkPrivateKey(createPrivateKey(client.keyPem))).toBe(true);
    expect(new X509Certificate(renewed.certPem).serialNumber).not.toBe(new X509Certificate(client.certPem).serialNumber);
  });

  it('gives random positive serial numbers and a colon-separated SHA-256 fingerprint', () => {
    const [a] = parseCertificateChain(server.certPem);
    const [b] = parseCertificateChain(client.certPem);
    expect(a?.serialNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(a?.serialNumber).not.toBe(b?.serialNumber);
    expect(a?.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const der = new X509Certificate(server.certPem).raw;
    expect(summarizeDerCertificate(der).fingerprintSha256).toBe(a?.fingerprintSha256);
  });

  it('works in a real mutual-TLS handshake (server verifies client, client verifies server name)', async () => {
    const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket) => {
      const peer = socket.getPeerCertificate();
      socket.end(`hello ${peer.subject.CN}`);
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    try {
      const port = (srv.address() as AddressInfo).port;
      const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem, servername: 'localhost' });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      await once(socket, 'end');
      expect(Buffer.concat(chunks).toString()).toBe('hello keywatch');
      socket.destroy();
    } finally {
      srv.close();
    }
  });
});

describe('parseCertificateChain', () => {
  it('parses every certificate of a chain in order', () => {
    const chain = parseCertificateChain(`${server.certPem}\n${ca.certPem}`);
    expect(chain.map((c) => c.subject)).toEqual(['CN=kms-1', 'CN=Keywatch Test CA']);
  });

  it('reads certificates whose key is not RSA (EC)', () => {
    // Real KMS appliances often present EC certificates; build one with node:crypto via a forge-free path.
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = buildEcSelfSigned(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const [summary] = parseCertificateChain(der);
    expect(summary?.subject).toBe('CN=ec-kms');
  });

  it('throws NOT_PEM on text without certificates', () => {
    expectCode(() => parseCertificateChain('hello'), 'NOT_PEM', /no PEM certificate/);
    expectCode(() => parseCertificateChain('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), 'NOT_PEM', /not a readable X\.509/);
  });
});

describe('validateClientBundle', () => {
  it('accepts a good bundle and returns the summaries', () => {
    const result = validateClientBundle({ ...client, caPem: ca.certPem });
    expect(result.certificate.subject).toBe('CN=keywatch');
    expect(result.ca[0]?.isCA).toBe(true);
  });

  it('accepts a bundle without CA (nothing to check it against)', () => {
    expect(validateClientBundle(client).certificate.subject).toBe('CN=keywatch');
  });

  it('accepts a chain through an intermediate present in the certificate file', () => {
    const intermediate = issueIntermediate(ca);
    const leaf = issueCertificate(intermediate, { commonName: 'leaf', kind: 'client' });
    const result = validateClientBundle({ certPem: `${leaf.certPem}${intermediate.certPem}`, keyPem: leaf.keyPem, caPem: ca.certPem });
    expect(result.chain).toHaveLength(2);
    expectCode(() => validateClientBundle({ certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem }), 'NOT_SIGNED_BY_CA', /not signed by the CA/);
  });

  it('rejects a certificate file that is not PEM', () => {
    expectCode(() => validateClientBundle({ certPem: 'garbage', keyPem: client.keyPem }), 'NOT_PEM', /client certificate file is not PEM/);
  });

  it('rejects a key file that is not PEM, or that is encrypted', () => {
    expectCode(() => validateClientBundle({ certPem: client.certPem, keyPem: client.certPem }), 'KEY_NOT_PEM', /private key file is not PEM/);
    const encrypted = forge.pki.encryptRsaPrivateKey(forge.pki.privateKeyFromPem(client.keyPem), 'secret');
    expectCode(() => validateClientBundle({ certPem: client.certPem, keyPem: encrypted }), 'KEY_ENCRYPTED', /encrypted/);
  });

  it('rejects the wrong key for the certificate', () => {
    expectCode(() => validateClientBundle({ certPem: client.certPem, keyPem: server.keyPem }), 'KEY_MISMATCH', /does not belong/);
  });

  it('rejects expired and not-yet-valid certificates', () => {
    expectCode(() => validateClientBundle(client, new Date(Date.now() + 400 * 86_400_000)), 'EXPIRED', /expired on \d{4}-\d\d-\d\d/);
    expectCode(() => validateClientBundle(client, new Date(Date.now() - 86_400_000)), 'NOT_YET_VALID', /not valid before/);
  });

  it('rejects a certificate that is not allowed for client authentication', () => {
    expectCode(() => validateClientBundle({ ...server, caPem: ca.certPem }), 'NOT_FOR_CLIENT_AUTH', /lacks clientAuth/);
  });

  it('rejects a CA file that holds a non-CA certificate', () => {
    expectCode(() => validateClientBundle({ ...client, caPem: server.certPem }), 'CA_NOT_A_CA', /"CN=kms-1", which is not a certificate authority/);
    expectCode(() => validateClientBundle({ ...client, caPem: 'nope' }), 'CA_NOT_PEM', /CA file is not PEM/);
  });

  it('rejects a certificate signed by another CA', () => {
    const otherCa = createCertificateAuthority({ commonName: 'Other CA' });
    expectCode(() => validateClientBundle({ ...client, caPem: otherCa.certPem }), 'NOT_SIGNED_BY_CA', /not signed by the CA/);
  });

  it('accepts a self-signed client certificate when it is its own CA file', () => {
    const selfSigned = createSelfSignedClientCertificate({ commonName: 'keywatch-self' });
    const x509 = new X509Certificate(selfSigned.certPem);
    expect(x509.subject).toBe(x509.issuer);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(validateClientBundle(selfSigned).certificate.isCA).toBe(false);
  });
});

describe('generateClientCsr', () => {
  it('produces a verifiable CSR with subject and clientAuth request, and the matching key', () => {
    const { csrPem, keyPem } = generateClientCsr({ commonName: 'keywatch', organization: 'Example Corp' });
    const csr = forge.pki.certificationRequestFromPem(csrPem);
    expect(csr.verify()).toBe(true);
    expect(csr.subject.getField('CN')?.value).toBe('keywatch');
    expect(csr.subject.getField('O')?.value).toBe('Example Corp');
    const ext = csr.getAttribute({ name: 'extensionRequest' }) as unknown as { extensions: { name: string; clientAuth?: boolean }[] };
    expect(ext.extensions.find((e) => e.name === 'extKeyUsage')?.clientAuth).toBe(true);
    const csrModulus = (csr.publicKey as forge.pki.rsa.PublicKey).n.toString(16);
    expect(forge.pki.privateKeyFromPem(keyPem).n.toString(16)).toBe(csrModulus);
  });
});

function issueIntermediate(root: { certPem: string; keyPem: string }): { certPem: string; keyPem: string } {
  // An intermediate CA signed by the root, built with forge directly (the module only mints roots).
  const rootCert = forge.pki.certificateFromPem(root.certPem);
  const rootKey = forge.pki.privateKeyFromPem(root.keyPem);
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '1234';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ shortName: 'CN', value: 'Intermediate CA' }]);
  cert.setIssuer(rootCert.subject.attributes);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }]);
  cert.sign(rootKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Minimal DER builder for a self-signed EC certificate: enough for parsers, not for TLS. */
function buildEcSelfSigned(keyPem: string): string {
  const asn1 = forge.asn1;
  const spkiDer = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  const name = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('2.5.4.3').getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, 'ec-kms'),
      ]),
    ]),
  ]);
  const sigAlg = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('1.2.840.10045.4.3.2').getBytes()),
  ]);
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(2))]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)),
    sigAlg,
    name,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(new Date(Date.now() - 60_000))),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(new Date(Date.now() + 86_400_000))),
    ]),
    name,
    asn1.fromDer(forge.util.createBuffer(spkiDer.toString('binary'))),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = createSign('sha256').update(tbsDer).sign(keyPem);
  const cert = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    sigAlg,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature.toString('binary')),
  ]);
  const der = Buffer.from(asn1.toDer(cert).getBytes(), 'binary');
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
}
