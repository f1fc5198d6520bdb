import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db, PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { recordAudit } from '../audit/record';
import { createOpenstackCloud, deleteOpenstackCloud, updateOpenstackCloud } from './openstack-store';
import { targetsFileSchema, type TargetsFile } from './schemas';
import {
  createKmsProvider,
  createVcenter,
  deleteKmsProvider,
  deleteVcenter,
  TargetError,
  updateKmsProvider,
  updateVcenter,
  type TargetSource,
} from './store';

/**
 * Declarative targets (GitOps): KEYWATCH_TARGETS_FILE is applied at every start. Entries are
 * matched by name; with prune (default) file-managed targets no longer in the file are removed.
 * UI-created targets with the same name are taken over by the file.
 */
export class TargetsFileError extends Error {
  override name = 'TargetsFileError';
}

/** A targets file, or a spec built in code (lab targets) that may leave the OpenStack clouds out. */
export type TargetsSpec = Omit<TargetsFile, 'openstackClouds'> & Partial<Pick<TargetsFile, 'openstackClouds'>>;

export interface ApplyResult {
  created: string[];
  updated: string[];
  removed: string[];
}

function readRef(ref: { file: string } | { pem: string } | { env: string }, baseDir: string, env: Record<string, string | undefined>, what: string): string {
  if ('pem' in ref) return ref.pem;
  if ('env' in ref) {
    const value = env[ref.env];
    if (!value) throw new TargetsFileError(`${what}: environment variable ${ref.env} is not set.`);
    return value;
  }
  const file = path.resolve(baseDir, ref.file);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new TargetsFileError(`${what}: cannot read ${file}.`);
  }
}

export function parseTargetsFile(text: string, file: string): TargetsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new TargetsFileError(`${file} is not valid JSON.`);
  }
  const parsed = targetsFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TargetsFileError(`${file}: ${issue.path.join('.') || '(root)'} ${issue.message}.`);
  }
  return parsed.data;
}

/** Applies a targets spec in one transaction: all of it or nothing, its audit row included when given. */
export async function applyTargets(
  prisma: PrismaClient,
  box: SecretBox,
  spec: TargetsSpec,
  opts: { baseDir: string; env?: Record<string, string | undefined>; source?: Exclude<TargetSource, 'ui'>; audit?: { file: string } },
): Promise<ApplyResult> {
  return prisma.$transaction(
    async (tx) => {
      const result = await applyTargetsIn(tx, box, spec, opts);
      if (opts.audit) await recordAudit(tx, { actor: { type: 'system', name: 'targets-file' }, action: 'targets.file.apply', outcome: 'success', details: { file: opts.audit.file, ...result } });
      return result;
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}

async function applyTargetsIn(
  prisma: Db,
  box: SecretBox,
  spec: TargetsSpec,
  opts: { baseDir: string; env?: Record<string, string | undefined>; source?: Exclude<TargetSource, 'ui'> },
): Promise<ApplyResult> {
  const env = opts.env ?? process.env;
  const source = opts.source ?? 'file';
  const result: ApplyResult = { created: [], updated: [], removed: [] };

  for (const vc of spec.vcenters) {
    const input = {
      name: vc.name,
      url: vc.url,
      username: vc.username,
      password: readRef(vc.password, opts.baseDir, env, `vCenter ${vc.name} password`).trim(),
      caPem: vc.ca ? readRef(vc.ca, opts.baseDir, env, `vCenter ${vc.name} CA`) : null,
    };
    const existing = await prisma.vcenterTarget.findUnique({ where: { name: vc.name } });
    if (existing) {
      await updateVcenter(prisma, box, existing.id, input, { source });
      result.updated.push(`vcenter:${vc.name}`);
    } else {
      await createVcenter(prisma, box, input, source);
      result.created.push(`vcenter:${vc.name}`);
    }
  }
  for (const kms of spec.kmsProviders) {
    const input = {
      name: kms.name,
      keyProviderId: kms.keyProviderId ?? null,
      nodes: kms.nodes,
      caPem: readRef(kms.ca, opts.baseDir, env, `KMS ${kms.name} CA`),
      clientCertPem: kms.clientCert ? readRef(kms.clientCert, opts.baseDir, env, `KMS ${kms.name} client certificate`) : null,
      clientKeyPem: kms.clientKey ? readRef(kms.clientKey, opts.baseDir, env, `KMS ${kms.name} client key`) : null,
    };
    if (Boolean(input.clientCertPem) !== Boolean(input.clientKeyPem)) {
      throw new TargetsFileError(`KMS ${kms.name}: give both clientCert and clientKey, or neither.`);
    }
    const existing = await prisma.kmsProvider.findUnique({ where: { name: kms.name } });
    if (existing) {
      await updateKmsProvider(prisma, box, existing.id, input, { source });
      result.updated.push(`kms:${kms.name}`);
    } else {
      await createKmsProvider(prisma, box, input, source);
      result.created.push(`kms:${kms.name}`);
    }
  }
  for (const os of spec.openstackClouds ?? []) {
    const input = {
      name: os.name,
      authUrl: os.authUrl,
      username: os.username,
      password: readRef(os.password, opts.baseDir, env, `OpenStack ${os.name} password`).trim(),
      userDomain: os.userDomain,
      projectName: os.projectName,
      projectDomain: os.projectDomain,
      region: os.region ?? null,
      interface: os.interface,
      caPem: os.ca ? readRef(os.ca, opts.baseDir, env, `OpenStack ${os.name} CA`) : null,
    };
    const existing = await prisma.openstackCloud.findUnique({ where: { name: os.name } });
    if (existing) {
      await updateOpenstackCloud(prisma, box, existing.id, input, { source });
      result.updated.push(`openstack:${os.name}`);
    } else {
      await createOpenstackCloud(prisma, box, input, source);
      result.created.push(`openstack:${os.name}`);
    }
  }
  if (spec.prune) {
    const osNames = new Set((spec.openstackClouds ?? []).map((o) => o.name));
    for (const row of await prisma.openstackCloud.findMany({ where: { source } })) {
      if (!osNames.has(row.name)) {
        await deleteOpenstackCloud(prisma, row.id, { force: true });
        result.removed.push(`openstack:${row.name}`);
      }
    }
    const vcNames = new Set(spec.vcenters.map((v) => v.name));
    for (const row of await prisma.vcenterTarget.findMany({ where: { source } })) {
      if (!vcNames.has(row.name)) {
        await deleteVcenter(prisma, row.id, { force: true });
        result.removed.push(`vcenter:${row.name}`);
      }
    }
    const kmsNames = new Set(spec.kmsProviders.map((k) => k.name));
    for (const row of await prisma.kmsProvider.findMany({ where: { source } })) {
      if (!kmsNames.has(row.name)) {
        await deleteKmsProvider(prisma, row.id, { force: true });
        result.removed.push(`kms:${row.name}`);
      }
    }
  }
  return result;
}

export async function applyTargetsFile(prisma: PrismaClient, box: SecretBox, file: string, env: Record<string, string | undefined> = process.env): Promise<ApplyResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TargetsFileError(`Cannot read the targets file ${file}.`);
  }
  try {
    return await applyTargets(prisma, box, parseTargetsFile(text, file), { baseDir: path.dirname(path.resolve(file)), env, audit: { file } });
  } catch (error) {
    if (error instanceof TargetError) throw new TargetsFileError(`${file}: ${error.message}`);
    throw error;
  }
}
