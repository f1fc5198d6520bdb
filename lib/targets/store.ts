import type { PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { generateClientCsr, validateClientBundle, CertificateBundleError, parseCertificateChain } from '../pki/certificates';
import type { SecretPurpose } from '../secrets/columns';
import type { SecretBox } from '../secrets/keyring';
import type { KmsProviderInput, KmsProviderUpdate, VcenterInput, VcenterUpdate } from './schemas';

/**
 * Target CRUD. Secrets go in sealed and never come out through a view: views say only whether
 * a secret is set. `openVcenterCredentials` / `openKmsClientCredentials` are for the clients.
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

function testStatus(row: { lastTestAt: Date | null; lastTestOk: boolean | null; lastTestMessage: string | null }): TestStatus {
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

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}

function assertEditable(source: string, name: string): void {
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

async function findVcenter(prisma: PrismaClient, id: string): Promise<VcenterRow> {
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

export async function createVcenter(prisma: PrismaClient, box: SecretBox, input: VcenterInput, source: TargetSource = 'ui'): Promise<VcenterView> {
  try {
    const row = await prisma.vcenterTarget.create({
      data: { name: input.name, url: input.url, username: input.username, passwordEnc: box.seal(input.password, VCENTER_PASSWORD), caPem: input.caPem ?? null, source },
    });
    return vcenterView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A vCenter target named ${input.name} already exists.`, 'name');
    throw error;
  }
}

export async function updateVcenter(prisma: PrismaClient, box: SecretBox, id: string, input: VcenterUpdate, opts: { source?: TargetSource } = {}): Promise<VcenterView> {
  const existing = await findVcenter(prisma, id);
  if (!opts.source) assertEditable(existing.source, existing.name);
  try {
    const row = await prisma.vcenterTarget.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.url !== undefined && { url: input.url }),
        ...(input.username !== undefined && { username: input.username }),
        ...(input.password !== undefined && { passwordEnc: box.seal(input.password, VCENTER_PASSWORD) }),
        ...(input.caPem !== undefined && { caPem: input.caPem }),
        ...(opts.source && { source: opts.source }),
      },
    });
    return vcenterView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A vCenter target named ${input.name} already exists.`, 'name');
    throw error;
  }
}

export async function deleteVcenter(prisma: PrismaClient, id: string, opts: { force?: boolean } = {}): Promise<{ name: string }> {
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
  return { id: row.id, name: row.name, url: row.url, username: row.username, password: box.open(row.passwordEnc, VCENTER_PASSWORD), caPem: row.caPem };
}

// ── KMS providers ──

const withNodes = { nodes: true } as const;

async function findKmsProvider(prisma: PrismaClient, id: string): Promise<KmsRow> {
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

export async function createKmsProvider(prisma: PrismaClient, box: SecretBox, input: KmsProviderInput, source: TargetSource = 'ui'): Promise<KmsProviderView> {
  if (input.clientCertPem && input.clientKeyPem) checkClientBundle(input.clientCertPem, input.clientKeyPem);
  const nodes = dedupeNodes(input.nodes);
  try {
    const row = await prisma.kmsProvider.create({
      data: {
        name: input.name,
        keyProviderId: input.keyProviderId ?? null,
        caPem: input.caPem,
        clientCertPem: input.clientCertPem ?? null,
        clientKeyEnc: input.clientKeyPem ? box.seal(input.clientKeyPem, KMS_CLIENT_KEY) : null,
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

export async function updateKmsProvider(
  prisma: PrismaClient,
  box: SecretBox,
  id: string,
  input: KmsProviderUpdate,
  opts: { source?: TargetSource } = {},
): Promise<KmsProviderView> {
  const existing = await findKmsProvider(prisma, id);
  if (!opts.source) assertEditable(existing.source, existing.name);
  let keyEnc: string | null | undefined;
  let csrPem: string | null | undefined;
  if (input.clientKeyPem) {
    if (!input.clientCertPem) throw new TargetError('invalid', 'Upload the client certificate together with a new private key.', 'clientCertPem');
    checkClientBundle(input.clientCertPem, input.clientKeyPem);
    keyEnc = box.seal(input.clientKeyPem, KMS_CLIENT_KEY);
    csrPem = null;
  } else if (input.clientCertPem) {
    // Completing a CSR: the certificate must match the key Keywatch generated.
    if (!existing.clientKeyEnc) throw new TargetError('invalid', 'There is no stored private key for this certificate; upload the key too or generate a CSR.', 'clientKeyPem');
    checkClientBundle(input.clientCertPem, box.open(existing.clientKeyEnc, KMS_CLIENT_KEY));
    csrPem = null;
  } else if (input.clientCertPem === null) {
    keyEnc = null;
    csrPem = null;
  }
  const nodes = input.nodes ? dedupeNodes(input.nodes) : undefined;
  try {
    const row = await prisma.$transaction(async (tx) => {
      if (nodes) await tx.kmsNode.deleteMany({ where: { providerId: id } });
      return tx.kmsProvider.update({
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
    });
    return kmsProviderView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new TargetError('conflict', `A KMS provider named ${input.name} already exists.`, 'name');
    throw error;
  }
}

/** Generates a key pair + CSR; the key is stored sealed, the CSR shown until a certificate arrives. */
export async function generateKmsCsr(prisma: PrismaClient, box: SecretBox, id: string, subject: { commonName: string; organization?: string }): Promise<KmsProviderView> {
  const existing = await findKmsProvider(prisma, id);
  assertEditable(existing.source, existing.name);
  const { csrPem, keyPem } = generateClientCsr(subject);
  const row = await prisma.kmsProvider.update({
    where: { id },
    data: { csrPem, clientKeyEnc: box.seal(keyPem, KMS_CLIENT_KEY), clientCertPem: null },
    include: withNodes,
  });
  return kmsProviderView(row);
}

export async function deleteKmsProvider(prisma: PrismaClient, id: string, opts: { force?: boolean } = {}): Promise<{ name: string }> {
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
    keyPem: row.clientCertPem && row.clientKeyEnc ? box.open(row.clientKeyEnc, KMS_CLIENT_KEY) : null,
  };
}
