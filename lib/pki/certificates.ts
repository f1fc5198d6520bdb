import { createPrivateKey, createPublicKey, generateKeyPairSync, privateEncrypt, randomBytes, X509Certificate, constants as cryptoConstants } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/** A certificate (possibly followed by its chain) and its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateSummary {
  /** Distinguished name in certificate order, e.g. "O=Lab, CN=kms-1". */
  subject: string;
  issuer: string;
  /** DNS names and IP literals from subjectAltName. */
  sans: string[];
  /** Lower-case hex, as printed by openssl. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  isCA: boolean;
  /** Upper-case hex bytes separated by colons, as browsers show it. */
  fingerprintSha256: string;
}

export interface CertificateAuthorityOptions {
  commonName: string;
  validDays?: number;
  notBefore?: Date;
}

export interface IssueCertificateOptions {
  commonName: string;
  kind: 'server' | 'client';
  /** DNS names or IP literals put in subjectAltName (what TLS clients check the server name against). */
  sans?: string[];
  validDays?: number;
  notBefore?: Date;
  /** Overrides validDays; lets tests mint already-expired certificates. */
  notAfter?: Date;
  organization?: string;
  /** Reuse an existing private key (renewal) instead of generating a new one. */
  keyPem?: string;
}

const DAY_MS = 86_400_000;
// Clocks of KMS appliances drift; a certificate valid "from now" would be rejected by a peer a few seconds behind.
const CLOCK_SKEW_MS = 5 * 60_000;
const RSA_BITS = 2048;

// DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface Keypair {
  keyPem: string;
  publicKey: forge.pki.rsa.PublicKey;
  /** Signs a forge message digest natively: forge's JavaScript RSA is ~20x slower. */
  signer: { sign(md: forge.md.MessageDigest): string };
}

function keypairFromPem(keyPem: string): Keypair {
  const nodeKey = createPrivateKey(keyPem);
  if (nodeKey.asymmetricKeyType !== 'rsa') {
    throw new Error('Only RSA keys can be used to sign certificates here.');
  }
  const spkiPem = createPublicKey(nodeKey).export({ type: 'spki', format: 'pem' }).toString();
  const publicKey = forge.pki.publicKeyFromPem(spkiPem) as forge.pki.rsa.PublicKey;
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
      return privateEncrypt({ key: nodeKey, padding: cryptoConstants.RSA_PKCS1_PADDING }, digestInfo).toString('binary');
    },
  };
  return { keyPem: nodeKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey, signer };
}

function generateKeypair(): Keypair {
  // Native key generation: forge would fall back to seconds of pure-JS prime search.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  return keypairFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
}

function randomSerialHex(): string {
  const bytes = randomBytes(16);
  // Keep the DER INTEGER positive and of fixed length.
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

function sanToForge(name: string): { type: number; value?: string; ip?: string } {
  return isIP(name) ? { type: 7, ip: name } : { type: 2, value: name };
}

function validity(opts: { validDays?: number; notBefore?: Date; notAfter?: Date }, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const notBefore = opts.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.validDays ?? defaultDays) * DAY_MS + CLOCK_SKEW_MS);
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new Error('The certificate would end before it starts: notAfter must be later than notBefore.');
  }
  return { notBefore, notAfter };
}

function subjectAttributes(commonName: string, organization?: string): forge.pki.CertificateField[] {
  const attrs: forge.pki.CertificateField[] = [];
  if (organization) attrs.push({ shortName: 'O', value: organization });
  attrs.push({ shortName: 'CN', value: commonName });
  return attrs;
}

function subjectKeyIdBytes(publicKey: forge.pki.rsa.PublicKey): string {
  return forge.pki.getPublicKeyFingerprint(publicKey, { type: 'RSAPublicKey' }).getBytes();
}

/** A certificate with everything but its extensions and signature: key, fresh serial, validity, names. */
function newCertificate(
  publicKey: forge.pki.rsa.PublicKey,
  opts: { validDays?: number; notBefore?: Date; notAfter?: Date },
  defaultDays: number,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerialHex();
  const { notBefore, notAfter } = validity(opts, defaultDays);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}

function signCertificate(cert: forge.pki.Certificate, signer: Keypair['signer']): string {
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export function createCertificateAuthority(opts: CertificateAuthorityOptions): PemPair {
  const keys = generateKeypair();
  const name = subjectAttributes(opts.commonName);
  const cert = newCertificate(keys.publicKey, opts, 3650, name, name);
  const ski = subjectKeyIdBytes(keys.publicKey);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier', subjectKeyIdentifier: forge.util.bytesToHex(ski) },
    { name: 'authorityKeyIdentifier', keyIdentifier: ski },
  ]);
  return { certPem: signCertificate(cert, keys.signer), keyPem: keys.keyPem };
}

function firstCertificate(pem: string): forge.pki.Certificate {
  const block = forge.pem.decode(pem).find((b) => b.type === 'CERTIFICATE');
  if (!block) throw new Error('No CERTIFICATE block in the PEM text.');
  return forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body));
}

export function issueCertificate(ca: PemPair, opts: IssueCertificateOptions): PemPair {
  const caCert = firstCertificate(ca.certPem);
  const caKeys = keypairFromPem(ca.keyPem);
  const keys = opts.keyPem ? keypairFromPem(opts.keyPem) : generateKeypair();
  const cert = newCertificate(keys.publicKey, opts, 365, subjectAttributes(opts.commonName, opts.organization), caCert.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    opts.kind === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier', subjectKeyIdentifier: forge.util.bytesToHex(subjectKeyIdBytes(keys.publicKey)) },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdBytes(caKeys.publicKey) },
  ];
  const sans = opts.sans ?? [];
  if (sans.length > 0) extensions.push({ name: 'subjectAltName', altNames: sans.map(sanToForge) });
  cert.setExtensions(extensions);
  return { certPem: signCertificate(cert, caKeys.signer), keyPem: keys.keyPem };
}

/** A client certificate signed by its own key, for KMS products that trust an uploaded client certificate. */
export function createSelfSignedClientCertificate(opts: { commonName: string; validDays?: number; organization?: string }): PemPair {
  const keys = generateKeypair();
  const name = subjectAttributes(opts.commonName, opts.organization);
  const cert = newCertificate(keys.publicKey, opts, 365, name, name);
  const ski = subjectKeyIdBytes(keys.publicKey);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier', subjectKeyIdentifier: forge.util.bytesToHex(ski) },
  ]);
  return { certPem: signCertificate(cert, keys.signer), keyPem: keys.keyPem };
}

/** Key + CSR for the flow where the KMS administrator signs Keywatch's client certificate. */
export function generateClientCsr(opts: { commonName: string; organization?: string }): { csrPem: string; keyPem: string } {
  const keys = generateKeypair();
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject(subjectAttributes(opts.commonName, opts.organization));
  csr.setAttributes([
    {
      name: 'extensionRequest',
      extensions: [
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
      ],
    },
  ]);
  csr.sign(keys.signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), keyPem: keys.keyPem };
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation use node:crypto's X509Certificate because it reads every key type a
// real KMS may present (RSA, EC, Ed25519); forge's certificate parser only understands RSA keys.

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function pemCertificateBlocks(pem: string): string[] {
  return pem.match(PEM_CERT_RE) ?? [];
}

function joinDistinguishedName(nodeDn: string): string {
  return nodeDn
    .split('\n')
    .filter((part) => part.length > 0)
    .join(', ');
}

/** Node prints SANs as `DNS:a, IP Address:1.2.3.4`, quoting entries that contain separators. */
function parseSubjectAltName(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  const entryRe = /(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const match of text.matchAll(entryRe)) {
    let value = match[2] ?? '';
    if (value.startsWith('"')) value = JSON.parse(value) as string;
    if (value.length > 0) names.push(value);
  }
  return names;
}

function summarize(x509: X509Certificate, now: Date): CertificateSummary {
  const notBefore = new Date(x509.validFrom);
  const notAfter = new Date(x509.validTo);
  return {
    subject: joinDistinguishedName(x509.subject),
    issuer: joinDistinguishedName(x509.issuer),
    sans: parseSubjectAltName(x509.subjectAltName),
    serialNumber: x509.serialNumber.toLowerCase(),
    notBefore,
    notAfter,
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    isCA: x509.ca,
    fingerprintSha256: x509.fingerprint256,
  };
}

/** Summarizes every certificate in a PEM text (leaf first, as servers send chains); throws on non-PEM input. */
export function parseCertificateChain(pem: string, now: Date = new Date()): CertificateSummary[] {
  const blocks = pemCertificateBlocks(pem);
  if (blocks.length === 0) throw new CertificateBundleError('NOT_PEM', 'The text contains no PEM certificate (expected "-----BEGIN CERTIFICATE-----").');
  return blocks.map((block, index) => summarize(parseX509(block, `certificate #${index + 1}`), now));
}

/** Summary of a DER certificate as it comes from `tls.TLSSocket.getPeerCertificate().raw`. */
export function summarizeDerCertificate(der: Buffer, now: Date = new Date()): CertificateSummary {
  return summarize(new X509Certificate(der), now);
}

export type CertificateBundleErrorCode =
  | 'NOT_PEM'
  | 'KEY_NOT_PEM'
  | 'KEY_ENCRYPTED'
  | 'CA_NOT_PEM'
  | 'KEY_MISMATCH'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'NOT_FOR_CLIENT_AUTH'
  | 'CA_NOT_A_CA'
  | 'NOT_SIGNED_BY_CA';

export class CertificateBundleError extends Error {
  override readonly name = 'CertificateBundleError';
  constructor(
    readonly code: CertificateBundleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function parseX509(block: string, what: string): X509Certificate {
  try {
    return new X509Certificate(block);
  } catch {
    throw new CertificateBundleError('NOT_PEM', `The ${what} is PEM-framed but is not a readable X.509 certificate.`);
  }
}

export interface ValidatedClientBundle {
  certificate: CertificateSummary;
  chain: CertificateSummary[];
  ca: CertificateSummary[];
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE_OID = '2.5.29.37.0';

function formatDate(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/**
 * Checks an uploaded client certificate bundle the way a KMS will during the TLS handshake, so the
 * operator hears about a mistake at upload time. Throws exactly one CertificateBundleError.
 */
export function validateClientBundle(bundle: { certPem: string; keyPem: string; caPem?: string }, now: Date = new Date()): ValidatedClientBundle {
  const certBlocks = pemCertificateBlocks(bundle.certPem);
  if (certBlocks.length === 0) {
    throw new CertificateBundleError('NOT_PEM', 'The client certificate file is not PEM: it has no "-----BEGIN CERTIFICATE-----" block.');
  }
  const chain = certBlocks.map((block, i) => parseX509(block, i === 0 ? 'client certificate' : `chain certificate #${i + 1}`));
  const leaf = chain[0]!;

  if (!/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(bundle.keyPem)) {
    throw new CertificateBundleError('KEY_NOT_PEM', 'The private key file is not PEM: it has no "-----BEGIN PRIVATE KEY-----" block.');
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(bundle.keyPem);
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(bundle.keyPem) || /passphrase/i.test(String(error));
    throw encrypted
      ? new CertificateBundleError('KEY_ENCRYPTED', 'The private key is encrypted with a passphrase; upload it unencrypted.')
      : new CertificateBundleError('KEY_NOT_PEM', 'The private key file is PEM-framed but is not a readable private key.');
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new CertificateBundleError('KEY_MISMATCH', 'The private key does not belong to the client certificate.');
  }

  const leafSummary = summarize(leaf, now);
  if (leafSummary.notAfter.getTime() <= now.getTime()) {
    throw new CertificateBundleError('EXPIRED', `The client certificate expired on ${formatDate(leafSummary.notAfter)}.`);
  }
  if (leafSummary.notBefore.getTime() > now.getTime()) {
    throw new CertificateBundleError('NOT_YET_VALID', `The client certificate is not valid before ${formatDate(leafSummary.notBefore)}.`);
  }

  // An absent extendedKeyUsage allows any use; a present one must allow TLS client auth, or the
  // KMS drops the handshake (PyKMIP, for one, checks exactly this).
  const extendedKeyUsage = leaf.keyUsage;
  if (extendedKeyUsage !== undefined && !extendedKeyUsage.includes(CLIENT_AUTH_OID) && !extendedKeyUsage.includes(ANY_EXTENDED_KEY_USAGE_OID)) {
    throw new CertificateBundleError('NOT_FOR_CLIENT_AUTH', 'The client certificate is not allowed for TLS client authentication (its extended key usage lacks clientAuth).');
  }

  let caCerts: X509Certificate[] = [];
  if (bundle.caPem !== undefined) {
    const caBlocks = pemCertificateBlocks(bundle.caPem);
    if (caBlocks.length === 0) {
      throw new CertificateBundleError('CA_NOT_PEM', 'The CA file is not PEM: it has no "-----BEGIN CERTIFICATE-----" block.');
    }
    caCerts = caBlocks.map((block, i) => {
      try {
        return new X509Certificate(block);
      } catch {
        throw new CertificateBundleError('CA_NOT_PEM', `CA certificate #${i + 1} is PEM-framed but is not a readable X.509 certificate.`);
      }
    });
    const notCa = caCerts.find((c) => !c.ca);
    if (notCa) {
      throw new CertificateBundleError('CA_NOT_A_CA', `The CA file holds "${joinDistinguishedName(notCa.subject)}", which is not a certificate authority (basicConstraints CA is not set).`);
    }
    if (!chainsToCa(chain, caCerts)) {
      throw new CertificateBundleError('NOT_SIGNED_BY_CA', `The client certificate (issuer "${leafSummary.issuer}") is not signed by the CA in the CA file.`);
    }
  }

  return { certificate: leafSummary, chain: chain.map((c) => summarize(c, now)), ca: caCerts.map((c) => summarize(c, now)) };
}

function isSignedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Walks leaf → intermediates (from the certificate file) → a CA from the CA file. */
function chainsToCa(chain: X509Certificate[], caCerts: X509Certificate[]): boolean {
  let current = chain[0]!;
  const intermediates = chain.slice(1);
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (caCerts.some((ca) => ca.fingerprint256 === current.fingerprint256 || isSignedBy(current, ca))) return true;
    const next = intermediates.find((c) => c !== current && isSignedBy(current, c));
    if (!next) return false;
    current = next;
  }
  return false;
}
