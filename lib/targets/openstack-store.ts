import { randomUUID } from 'node:crypto';
import type { Db, PrismaClient } from '../db/client';
import type { OpenStackCloudConfigInput } from '../openstack/config';
import { openstackBinding, type SecretPurpose } from '../secrets/columns';
import type { SecretBox } from '../secrets/keyring';
import type { OpenstackCloudInput, OpenstackCloudUpdate } from './schemas';
import { assertEditable, isUniqueViolation, pemFingerprint, TargetError, testStatus, type TargetChanges, type TargetSource, type TestStatus } from './store';

/**
 * OpenStack cloud targets, stored like vCenters: the password goes in sealed, bound to the row and
 * to the Keystone URL, user and user domain it was entered for, and never comes out through a
 * view. Pointing a cloud at another Keystone, user, domain or CA needs the password again.
 */
export const OPENSTACK_PASSWORD: SecretPurpose = 'OpenstackCloud.password';

export interface OpenstackCloudView extends TestStatus {
  id: string;
  name: string;
  authUrl: string;
  username: string;
  hasPassword: true;
  userDomain: string;
  projectName: string;
  projectDomain: string;
  region: string | null;
  interface: 'public' | 'internal' | 'admin';
  caPem: string | null;
  source: string;
  createdAt: string;
  updatedAt: string;
}

type CloudRow = Awaited<ReturnType<PrismaClient['openstackCloud']['findFirstOrThrow']>>;

function asInterface(value: string): OpenstackCloudView['interface'] {
  return value === 'internal' || value === 'admin' ? value : 'public';
}

export function openstackCloudView(row: CloudRow): OpenstackCloudView {
  return {
    id: row.id,
    name: row.name,
    authUrl: row.authUrl,
    username: row.username,
    hasPassword: true,
    userDomain: row.userDomain,
    projectName: row.projectName,
    projectDomain: row.projectDomain,
    region: row.region,
    interface: asInterface(row.interface),
    caPem: row.caPem,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...testStatus(row),
  };
}

async function findCloud(prisma: Db, id: string): Promise<CloudRow> {
  const row = await prisma.openstackCloud.findUnique({ where: { id } });
  if (!row) throw new TargetError('not-found', 'No OpenStack cloud with that id.');
  return row;
}

const conflict = (name: string | undefined) => new TargetError('conflict', `An OpenStack cloud named ${name} already exists.`, 'name');

export async function listOpenstackClouds(prisma: PrismaClient): Promise<OpenstackCloudView[]> {
  return (await prisma.openstackCloud.findMany({ orderBy: { name: 'asc' } })).map(openstackCloudView);
}

export async function getOpenstackCloud(prisma: PrismaClient, id: string): Promise<OpenstackCloudView> {
  return openstackCloudView(await findCloud(prisma, id));
}

export async function createOpenstackCloud(prisma: Db, box: SecretBox, input: OpenstackCloudInput, source: TargetSource = 'ui'): Promise<OpenstackCloudView> {
  const id = randomUUID();
  try {
    const row = await prisma.openstackCloud.create({
      data: {
        id,
        name: input.name,
        authUrl: input.authUrl,
        username: input.username,
        passwordEnc: box.seal(input.password, OPENSTACK_PASSWORD, openstackBinding({ id, authUrl: input.authUrl, username: input.username, userDomain: input.userDomain })),
        userDomain: input.userDomain,
        projectName: input.projectName,
        projectDomain: input.projectDomain,
        region: input.region ?? null,
        interface: input.interface,
        caPem: input.caPem ?? null,
        source,
      },
    });
    return openstackCloudView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(input.name);
    throw error;
  }
}

export async function updateOpenstackCloud(
  prisma: Db,
  box: SecretBox,
  id: string,
  input: OpenstackCloudUpdate,
  opts: { source?: TargetSource } = {},
): Promise<{ cloud: OpenstackCloudView; changes: TargetChanges }> {
  const existing = await findCloud(prisma, id);
  if (!opts.source) assertEditable(existing.source, existing.name);
  const next = {
    authUrl: input.authUrl ?? existing.authUrl,
    username: input.username ?? existing.username,
    userDomain: input.userDomain ?? existing.userDomain,
    projectName: input.projectName ?? existing.projectName,
    projectDomain: input.projectDomain ?? existing.projectDomain,
    region: input.region !== undefined ? input.region : existing.region,
    interface: input.interface ?? existing.interface,
    caPem: input.caPem !== undefined ? input.caPem : existing.caPem,
  };
  const changes: TargetChanges = {};
  if (input.name !== undefined && input.name !== existing.name) changes.name = { from: existing.name, to: input.name };
  for (const field of ['authUrl', 'username', 'userDomain', 'projectName', 'projectDomain', 'region', 'interface'] as const) {
    if (next[field] !== existing[field]) changes[field] = { from: existing[field], to: next[field] };
  }
  if (pemFingerprint(next.caPem) !== pemFingerprint(existing.caPem)) changes.ca = { from: pemFingerprint(existing.caPem), to: pemFingerprint(next.caPem) };
  if ((changes.authUrl || changes.username || changes.userDomain || changes.ca) && input.password === undefined) {
    // Otherwise an admin (or a stolen admin token) could point the cloud at a Keystone of their own and press Test.
    throw new TargetError('invalid', 'Enter the password again: a stored password is only sent to the Keystone URL, user, domain and CA it was entered for.', 'password');
  }
  if (input.password !== undefined) changes.password = { from: 'set', to: 'replaced' };
  try {
    const row = await prisma.openstackCloud.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...next,
        ...(input.password !== undefined && { passwordEnc: box.seal(input.password, OPENSTACK_PASSWORD, openstackBinding({ id, ...next })) }),
        ...(opts.source && { source: opts.source }),
      },
    });
    return { cloud: openstackCloudView(row), changes };
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(input.name);
    throw error;
  }
}

export async function deleteOpenstackCloud(prisma: Db, id: string, opts: { force?: boolean } = {}): Promise<{ name: string }> {
  const existing = await findCloud(prisma, id);
  if (!opts.force) assertEditable(existing.source, existing.name);
  await prisma.openstackCloud.delete({ where: { id } });
  return { name: existing.name };
}

/** Decrypted credentials as lib/openstack's client takes them (worker, gate, test connection). Never serialize. */
export async function openOpenstackCredentials(prisma: PrismaClient, box: SecretBox, id: string): Promise<OpenStackCloudConfigInput & { id: string; name: string }> {
  const row = await findCloud(prisma, id);
  return {
    id: row.id,
    name: row.name,
    authUrl: row.authUrl,
    username: row.username,
    password: box.open(row.passwordEnc, OPENSTACK_PASSWORD, openstackBinding(row)),
    userDomainName: row.userDomain,
    projectName: row.projectName,
    projectDomainName: row.projectDomain,
    ...(row.region !== null && { region: row.region }),
    interface: asInterface(row.interface),
    ...(row.caPem !== null && { caPem: row.caPem }),
  };
}

export async function recordOpenstackTest(db: Db, id: string, result: { ok: boolean; message: string }): Promise<void> {
  await db.openstackCloud.update({ where: { id }, data: { lastTestAt: new Date(), lastTestOk: result.ok, lastTestMessage: result.message.slice(0, 1000) } });
}
