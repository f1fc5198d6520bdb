/**
 * The certificates of a lab KMS cluster, all signed by the lab CA: each node's server
 * certificate (normal, expired, or expiring in N days) and the client certificates the lab hands
 * to Keywatch and to the lab vCenter.
 */
import { issueCertificate, type PemPair } from '@/lib/pki/certificates';
import type { ServerCertificateKind } from './node';

const DAY_MS = 86_400_000;

/**
 * Validity of a certificate that expires `days` from `now`. Half a day is added so that days-left
 * figures (whole days, rounded down) read exactly `days` for the next twelve hours, long enough
 * for any test or demo. It was issued a year before it expires, as a renewal-due certificate is.
 */
export function validityExpiringIn(days: number, now = new Date()): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days < 0) throw new RangeError(`A certificate cannot expire in ${days} days; give a number of days of 0 or more.`);
  const notAfter = new Date(now.getTime() + days * DAY_MS + DAY_MS / 2);
  const notBefore = new Date(Math.min(now.getTime() - DAY_MS, notAfter.getTime() - 365 * DAY_MS));
  return { notBefore, notAfter };
}

/** What a node's server certificate names: its own address (TLS clients check it), `localhost` and its lab DNS name. */
export function nodeCertificateNames(id: string, address: string): string[] {
  return [...new Set([address, 'localhost', `${id}.lab.keywatch.local`])];
}

export interface LabClientCertificateOptions {
  /** The certificate expires this many days from now (see validityExpiringIn); default: one year. */
  expiresInDays?: number;
}

export class LabKmsCertificates {
  private readonly valid = new Map<string, PemPair>();
  private readonly expired = new Map<string, PemPair>();

  /** Issues every node's normal server certificate. */
  constructor(
    readonly ca: PemPair,
    private readonly nodes: ReadonlyArray<{ id: string; address: string }>,
  ) {
    // One RSA key for all node certificates: RSA key generation dominates start-up time, and
    // the lab has nothing to gain from separate keys (each node still has its own certificate).
    let sharedKey: string | undefined;
    for (const node of nodes) {
      const pair = issueCertificate(ca, { commonName: node.id, kind: 'server', sans: nodeCertificateNames(node.id, node.address), ...(sharedKey && { keyPem: sharedKey }) });
      sharedKey ??= pair.keyPem;
      this.valid.set(node.id, pair);
    }
  }

  /** The server certificate of the given kind for one node (expired ones are made once, expiring ones each time). */
  server(id: string, kind: ServerCertificateKind): PemPair {
    const normal = this.valid.get(id);
    const node = this.nodes.find((n) => n.id === id);
    if (!normal || !node) throw new Error(`No lab KMS node ${id} has certificates.`);
    if (kind === 'valid') return normal;
    const base = { commonName: id, kind: 'server' as const, sans: nodeCertificateNames(id, node.address), keyPem: normal.keyPem };
    if (kind === 'expired') {
      let pair = this.expired.get(id);
      if (!pair) {
        const now = Date.now();
        pair = issueCertificate(this.ca, { ...base, notBefore: new Date(now - 400 * DAY_MS), notAfter: new Date(now - 2 * DAY_MS) });
        this.expired.set(id, pair);
      }
      return pair;
    }
    return issueCertificate(this.ca, { ...base, ...validityExpiringIn(kind.expiresInDays) });
  }

  /** A client certificate (clientAuth) the nodes accept. */
  client(commonName: string, options: LabClientCertificateOptions = {}): PemPair {
    return issueCertificate(this.ca, {
      commonName,
      kind: 'client',
      ...(options.expiresInDays !== undefined && validityExpiringIn(options.expiresInDays)),
    });
  }
}
