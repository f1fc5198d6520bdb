import { createHash, randomUUID } from 'node:crypto';
import type { Db, PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { generateClientCsr, validateClientBundle, CertificateBundleError, parseCertificateChain } from '../pki/certificates';
import { kmsBinding, vcenterBinding, type SecretPurpose } from '../secrets/columns';
import type { SecretBox } from '../secrets/keyring';
import type { KmsProviderInput, KmsProviderUpdate, VcenterInput, VcenterUpdate } from './schemas';

/**
 * Target CRUD. Secrets go in sealed and never come out through a view: views say only whether
 * a secret is set. `openVcenterCredentials` / `openKmsClientCredentials` are for the clients.
 * A secret is only ever sent where it was entered for: pointing a vCenter at another URL, user
 * or CA needs its password again, and a KMS provider's other nodes or CA need its client key
 * again (the envelopes are bound to those values too, lib/secrets/columns.ts). Updates return
 * what changed, old and new, for the audit log.
 */
export const VCENTER_PASSWORD: SecretPurpose = 'VcenterTarget.password';
export const KMS_CLIENT_KEY: SecretPurpose = 'KmsProvider.clientKey';

export type TargetSource = 'ui' | 'file' | 'lab';

const TARGET_ERROR_STATUS = { 'not-found': 404, conflict: 409, invalid: 400, managed: 409 } as const;

/** A refused target change; `field` names the form field it is about. */
export class TargetError extends DomainError<keyof typeof TARGET_ERROR_STATUS> {
  override name = 'TargetError';
  constructor(code: keyof typeof TARGET_ERROR_STATUS, message: string, field?: string) {
    super(code, TARGET_ERROR_STATUS[code], message, { field });
  }
}

export interface TestStatus {
  lastTestAt: string | null;
  lastTestOk: boolean | null;
  lastTestMessage: string | null;
}

export interface VcenterView extends TestStatus {
  id: string;
  name: string;
  url: string;
  username: string;
  hasPassword: true;
  caPem: string | null;
  source: string;
  createdAt: string;
  updatedAt: string;
}

export interface KmsProviderView extends TestStatus {
  id: string;
  name: string;
  /** vCenter's id of this provider as set on the target; null = the name. */
  keyProviderId: string | null;
  /** The id vCenter's keys are matched against: keyProviderId, else the name. */
  effectiveKeyProviderId: string;
  nodes: { host: string; port: number }[];
  caPem: string;
  clientCertPem: string | null;
  clientCertificate: { subject: string; issuer: string; notAfter: string; daysLeft: number } | null;
  hasClientKey: boolean;
  csrPem: string | null;
  source: string;
  createdAt: string;
  updatedAt: string;
}

/** Field → old and new value, for the audit log (CA bundles as SHA-256 fingerprints, secrets as "replaced"). */
export type TargetChanges = Record<string, { from: unknown; to: unknown }>;

export function pemFingerprint(pem: string | null | undefined): string | null {
  return pem ? `sha256:${createHash('sha256').update(pem.trim()).digest('hex').slice(0, 16)}` : null;
}

function nodeList(nodes: readonly { host: string; port: number }[]): string[] {
  return nodes.map((n) => `${n.host.toLowerCase()}:${n.port}`);
}

export function testStatus(row: { lastTestAt: Date | null; lastTestOk: boolean | null; lastTestMessage: string | null }): TestStatus {
  return { lastTestAt: row.lastTestAt?.toISOString() ?? null, lastTestOk: row.lastTestOk, lastTestMessage: row.lastTestMessage };
}

type VcenterRow = Awaited<ReturnType<PrismaClient['vcenterTarget']['findFirstOrThrow']>>;
type KmsRow = Awaited<ReturnType<PrismaClient['kmsProvider']['findFirstOrThrow']>> & { nodes: { host: string; port: number; position: number }[] };

export function vcenterView(row: VcenterRow): VcenterView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    username: row.username,
    hasPassword: true,
    caPem: row.caPem,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...testStatus(row),
  };
}

function certificateSummary(pem: string | null): KmsProviderView['clientCertificate'] {
  if (!pem) return null;
  try {
    const [leaf] = parseCertificateChain(pem);
    return leaf ? { subject: leaf.subject, issuer: leaf.issuer, notAfter: leaf.notAfter.toISOString(), daysLeft: leaf.daysLeft } : null;
  } catch {
    return null;
  }
}

function orderedNodes(nodes: KmsRow['nodes']): { host: string; port: number }[] {
  return [...nodes].sort((a, b) => a.position - b.position).map((n) => ({ host: n.host, port: n.port }));
}

/** The vCenter provider id a KMS target stands for: the explicit link, else a name match. */
export function effectiveKeyProviderId(row: { name: string; keyProviderId: string | null }): string {
  return row.keyProviderId ?? row.name;
}

export function kmsProviderView(row: KmsRow): KmsProviderView {
  return {
    id: row.id,
    name: row.name,
    keyProviderId: row.keyProviderId,
    effectiveKeyProviderId: effectiveKeyProviderId(row),
    nodes: orderedNodes(row.nodes),
    caPem: row.caPem,
    clientCertPem: row.clientCertPem,
    clientCertificate: certificateSummary(row.clientCertPem),
    hasClientKey: row.clientKeyEnc !== null,
    csrPem: row.csrPem,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...testStatus(row),
  };
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}

export function assertEditable(source: string, name: string): void {
  if (source !== 'ui') {
    throw new TargetError('managed', `${name} is managed by the ${source === 'file' ? 'targets file (KEYWATCH_TARGETS_FILE)' : 'lab'}; change it there.`);
  }
}

function checkClientBundle(certPem: string, keyPem: string): void {
  try {
    // No CA here: the client certificate may be signed by a CA other than the KMS server's.
    validateClientBundle({ certPem, keyPem });
  } catch (error) {
    if (error instanceof CertificateBundleError) throw new TargetError('invalid', error.message, error.code.startsWith('KEY') ? 'clientKeyPem' : 'clientCertPem');
    throw error;
  }
}

// ── vCenter ──

async function findVcenter(prisma: Db, id: string): Promise<VcenterRow> {
  const row = await prisma.vcenterTarget.findUnique({ where: { id } });
  if (!row) throw new TargetError('not-found', 'No vCenter target with that id.');
  return row;
}

export async function listVcenters(prisma: PrismaClient): Promise<VcenterView[]> {
  return (await prisma.vcenterTarget.findMany({ orderBy: { name: 'asc' } })).map(vcenterView);
}

export async function getVcenter(prisma: PrismaClient, id: string): Promise<VcenterView> {
  return vcenterView(await findVcenter(prisma, id));
}

export async function createVcenter(prisma: Db, box: SecretBox, input: VcenterInput, source: TargetSource = 'ui'): Promise<VcenterView> {
  const id = randomUUID();
  try {
    const row = await prisma.vcenterTarget.create({
      data: {
        id,
        name: input.name,
        url: input.url,
        username: input.username,
        passwordEnc: box.seal(input.password, VCENTER_PASSWORD, vcenterBinding({ id, url: input.url, username: input.username })),
        caPem: input.caPem ?? null,
        source,
      },
    });
    return vcenterView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A vCenter target named ${input.name} already exists.`, 'name');
    throw error;
  }
}

export async function updateVcenter(
  prisma: Db,
  box: SecretBox,
  id: string,
  input: VcenterUpdate,
  opts: { source?: TargetSource } = {},
): Promise<{ vcenter: VcenterView; changes: TargetChanges }> {
  const existing = await findVcenter(prisma, id);
  if (!opts.source) assertEditable(existing.source, existing.name);
  const next = {
    url: input.url ?? existing.url,
    username: input.username ?? existing.username,
    caPem: input.caPem !== undefined ? (input.caPem ?? null) : existing.caPem,
  };
  const changes: TargetChanges = {};
  if (input.name !== undefined && input.name !== existing.name) changes.name = { from: existing.name, to: input.name };
  if (next.url !== existing.url) changes.url = { from: existing.url, to: next.url };
  if (next.username !== existing.username) changes.username = { from: existing.username, to: next.username };
  if (pemFingerprint(next.caPem) !== pemFingerprint(existing.caPem)) changes.ca = { from: pemFingerprint(existing.caPem), to: pemFingerprint(next.caPem) };
  if ((changes.url || changes.username || changes.ca) && input.password === undefined) {
    // Otherwise an admin (or a stolen admin token) could point the target at a server of their own and press Test.
    throw new TargetError('invalid', 'Enter the password again: a stored password is only sent to the URL, user and CA it was entered for.', 'password');
  }
  if (input.password !== undefined) changes.password = { from: 'set', to: 'replaced' };
  try {
    const row = await prisma.vcenterTarget.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        url: next.url,
        username: next.username,
        caPem: next.caPem,
        ...(input.password !== undefined && { passwordEnc: box.seal(input.password, VCENTER_PASSWORD, vcenterBinding({ id, ...next })) }),
        ...(opts.source && { source: opts.source }),
      },
    });
    return { vcenter: vcenterView(row), changes };
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A vCenter target named ${input.name} already exists.`, 'name');
    throw error;
  }
}

export async function deleteVcenter(prisma: Db, id: string, opts: { force?: boolean } = {}): Promise<{ name: string }> {
  const existing = await findVcenter(prisma, id);
  if (!opts.force) assertEditable(existing.source, existing.name);
  await prisma.vcenterTarget.delete({ where: { id } });
  return { name: existing.name };
}

export interface VcenterCredentials {
  id: string;
  name: string;
  url: string;
  username: string;
  password: string;
  caPem: string | null;
}

/** Decrypted credentials for the vSphere client (worker, gate, test connection). Never serialize. */
export async function openVcenterCredentials(prisma: PrismaClient, box: SecretBox, id: string): Promise<VcenterCredentials> {
  const row = await findVcenter(prisma, id);
  return { id: row.id, name: row.name, url: row.url, username: row.username, password: box.open(row.passwordEnc, VCENTER_PASSWORD, vcenterBinding(row)), caPem: row.caPem };
}

// ── KMS providers ──

const withNodes = { nodes: true } as const;

async function findKmsProvider(prisma: Db, id: string): Promise<KmsRow> {
  const row = await prisma.kmsProvider.findUnique({ where: { id }, include: withNodes });
  if (!row) throw new TargetError('not-found', 'No KMS provider with that id.');
  return row;
}

export async function listKmsProviders(prisma: PrismaClient): Promise<KmsProviderView[]> {
  return (await prisma.kmsProvider.findMany({ orderBy: { name: 'asc' }, include: withNodes })).map(kmsProviderView);
}

export async function getKmsProvider(prisma: PrismaClient, id: string): Promise<KmsProviderView> {
  return kmsProviderView(await findKmsProvider(prisma, id));
}

function dedupeNodes(nodes: { host: string; port: number }[]): { host: string; port: number; position: number }[] {
  const seen = new Set<string>();
  const out: { host: string; port: number; position: number }[] = [];
  for (const node of nodes) {
    const key = `${node.host.toLowerCase()}:${node.port}`;
    if (seen.has(key)) throw new TargetError('invalid', `Node ${node.host}:${node.port} is listed twice.`, 'nodes');
    seen.add(key);
    out.push({ host: node.host, port: node.port, position: out.length });
  }
  return out;
}

export async function createKmsProvider(prisma: Db, box: SecretBox, input: KmsProviderInput, source: TargetSource = 'ui'): Promise<KmsProviderView> {
  if (input.clientCertPem && input.clientKeyPem) checkClientBundle(input.clientCertPem, input.clientKeyPem);
  const nodes = dedupeNodes(input.nodes);
  const id = randomUUID();
  try {
    const row = await prisma.kmsProvider.create({
      data: {
        id,
        name: input.name,
        keyProviderId: input.keyProviderId ?? null,
        caPem: input.caPem,
        clientCertPem: input.clientCertPem ?? null,
        clientKeyEnc: input.clientKeyPem ? box.seal(input.clientKeyPem, KMS_CLIENT_KEY, kmsBinding({ id, nodes })) : null,
        source,
        nodes: { create: nodes },
      },
      include: withNodes,
    });
    return kmsProviderView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A KMS provider named ${input.name} already exists.`, 'name');
    throw error;
  }
}

/** Replaces the provider's nodes and fields; run it inside a transaction (the nodes are deleted and re-created). */
export async function updateKmsProvider(
  prisma: Db,
  box: SecretBox,
  id: string,
  input: KmsProviderUpdate,
  opts: { source?: TargetSource } = {},
): Promise<{ kmsProvider: KmsProviderView; changes: TargetChanges }> {
  const existing = await findKmsProvider(prisma, id);
  if (!opts.source) assertEditable(existing.source, existing.name);
  const oldNodes = orderedNodes(existing.nodes);
  const nodes = input.nodes ? dedupeNodes(input.nodes) : undefined;
  const changes: TargetChanges = {};
  if (input.name !== undefined && input.name !== existing.name) changes.name = { from: existing.name, to: input.name };
  if (nodes && nodeList(nodes).join(',') !== nodeList(oldNodes).join(',')) changes.nodes = { from: nodeList(oldNodes), to: nodeList(nodes) };
  if (input.caPem !== undefined && pemFingerprint(input.caPem) !== pemFingerprint(existing.caPem)) changes.ca = { from: pemFingerprint(existing.caPem), to: pemFingerprint(input.caPem) };
  const dropsCredentials = input.clientCertPem === null;
  if ((changes.nodes || changes.ca) && existing.clientKeyEnc && !input.clientKeyPem && !dropsCredentials) {
    // The client key authenticates Keywatch to whatever it connects to: new nodes or a new CA need it entered again.
    throw new TargetError(
      'invalid',
      'Changing the nodes or the CA needs the client certificate and key again; or remove the client certificate and generate a new CSR.',
      'clientKeyPem',
    );
  }
  const binding = kmsBinding({ id, nodes: nodes ?? oldNodes });
  let keyEnc: string | null | undefined;
  let csrPem: string | null | undefined;
  if (input.clientKeyPem) {
    if (!input.clientCertPem) throw new TargetError('invalid', 'Upload the client certificate together with a new private key.', 'clientCertPem');
    checkClientBundle(input.clientCertPem, input.clientKeyPem);
    keyEnc = box.seal(input.clientKeyPem, KMS_CLIENT_KEY, binding);
    csrPem = null;
    changes.clientKey = { from: existing.clientKeyEnc ? 'set' : null, to: 'replaced' };
  } else if (input.clientCertPem) {
    // Completing a CSR: the certificate must match the key Keywatch generated.
    if (!existing.clientKeyEnc) throw new TargetError('invalid', 'There is no stored private key for this certificate; upload the key too or generate a CSR.', 'clientKeyPem');
    checkClientBundle(input.clientCertPem, box.open(existing.clientKeyEnc, KMS_CLIENT_KEY, kmsBinding({ id, nodes: oldNodes })));
    csrPem = null;
  } else if (dropsCredentials) {
    keyEnc = null;
    csrPem = null;
    if (existing.clientKeyEnc) changes.clientKey = { from: 'set', to: null };
  }
  if (input.clientCertPem !== undefined && pemFingerprint(input.clientCertPem) !== pemFingerprint(existing.clientCertPem)) {
    changes.clientCertificate = { from: pemFingerprint(existing.clientCertPem), to: pemFingerprint(input.clientCertPem) };
  }
  try {
    if (nodes) await prisma.kmsNode.deleteMany({ where: { providerId: id } });
    const row = await prisma.kmsProvider.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.keyProviderId !== undefined && { keyProviderId: input.keyProviderId }),
        ...(input.caPem !== undefined && { caPem: input.caPem }),
        ...(input.clientCertPem !== undefined && { clientCertPem: input.clientCertPem }),
        ...(keyEnc !== undefined && { clientKeyEnc: keyEnc }),
        ...(csrPem !== undefined && { csrPem }),
        ...(opts.source && { source: opts.source }),
        ...(nodes && { nodes: { create: nodes } }),
      },
      include: withNodes,
    });
    return { kmsProvider: kmsProviderView(row), changes };
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A KMS provider named ${input.name} already exists.`, 'name');
    throw error;
  }
}

/** Generates a key pair + CSR; the key is stored sealed, the CSR shown until a certificate arrives. */
export async function generateKmsCsr(prisma: Db, box: SecretBox, id: string, subject: { commonName: string; organization?: string }): Promise<KmsProviderView> {
  const existing = await findKmsProvider(prisma, id);
  assertEditable(existing.source, existing.name);
  const { csrPem, keyPem } = generateClientCsr(subject);
  const row = await prisma.kmsProvider.update({
    where: { id },
    data: { csrPem, clientKeyEnc: box.seal(keyPem, KMS_CLIENT_KEY, kmsBinding({ id, nodes: orderedNodes(existing.nodes) })), clientCertPem: null },
    include: withNodes,
  });
  return kmsProviderView(row);
}

export async function deleteKmsProvider(prisma: Db, id: string, opts: { force?: boolean } = {}): Promise<{ name: string }> {
  const existing = await findKmsProvider(prisma, id);
  if (!opts.force) assertEditable(existing.source, existing.name);
  await prisma.kmsProvider.delete({ where: { id } });
  return { name: existing.name };
}

export interface KmsClientCredentials {
  id: string;
  name: string;
  /** vCenter's id of this provider (explicit link, else the name). */
  keyProviderId: string;
  nodes: { host: string; port: number }[];
  caPem: string;
  certPem: string | null;
  keyPem: string | null;
}

/** Decrypted client credentials for the KMIP client. Never serialize. */
export async function openKmsClientCredentials(prisma: PrismaClient, box: SecretBox, id: string): Promise<KmsClientCredentials> {
  const row = await findKmsProvider(prisma, id);
  return {
    id: row.id,
    name: row.name,
    keyProviderId: effectiveKeyProviderId(row),
    nodes: orderedNodes(row.nodes),
    caPem: row.caPem,
    // A key without its certificate (pending CSR) cannot authenticate yet.
    certPem: row.clientCertPem,
    keyPem: row.clientCertPem && row.clientKeyEnc ? box.open(row.clientKeyEnc, KMS_CLIENT_KEY, kmsBinding({ id: row.id, nodes: orderedNodes(row.nodes) })) : null,
  };
}
