/**
 * `npm run lab`: the lab KMS cluster (3 KMIP nodes) plus the lab vCenter over a generated
 * estate whose hosts fetch their keys from those nodes. Prints the vCenter URL, the KMS
 * endpoints, the (lab-only) credentials and the CA / client-certificate files it wrote.
 *
 *   npm run lab -- [--data-dir .data/lab] [--host 127.0.0.1] [--port 8443] [--kms-ports 5696,5697,5698]
 *                  [--kms-hosts 127.0.0.11,127.0.0.12,127.0.0.13] [--kms-replication-lag-ms 0] [--client-cert-days N]
 *                  [--seed 1] [--clusters 3] [--hosts-per-cluster 4] [--hosts N] [--vms-per-host 4]
 *                  [--kms-nodes 3] [--kms-self-hosted] [--key-retry-ms 30000]
 *                  [--no-openstack] [--username U] [--password P] [--json | --ready-line]
 *
 * `startLab(options)` is the same thing in-process (npm start uses it when no vCenter is configured).
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';
import { stopOnSignals } from '../lib/runtime/shutdown';
import { startKmsCluster, type LabKmsCluster } from './kms/cluster';
import type { EstateOptions } from './vcenter/estate';
import type { LabTimings } from './vcenter/host-model';
import { describeOpenStackLab, startLabOpenStack } from './openstack/lab-process';
import { createLabVcenterTls, startLabVcenter, type LabVcenter } from './vcenter/server';

export interface StartLabOptions {
  /** Persist KMS data, certificates, credentials and key bindings here; default: a temp dir removed at stop. */
  dataDir?: string;
  host?: string;
  /** vCenter port; 0 (default) picks a free one. */
  vcenterPort?: number;
  /** One port per KMS node; default: free ports. */
  kmsPorts?: number[];
  /**
   * One listening address per KMS node. Default: an address of its own per node (127.0.0.11,
   * 127.0.0.12, …) when `host` is 127.0.0.1 (the default), else every node on `host`.
   */
  kmsHosts?: string[];
  kmsNodeCount?: number;
  /** Key changes reach the other KMS nodes after this many ms (default 0; a fault can change it later). */
  kmsReplicationLagMs?: number;
  /** Keywatch's KMS client certificate expires this many days from now (default: one year). */
  clientCertDays?: number;
  estate?: EstateOptions;
  username?: string;
  password?: string;
  timings?: Partial<LabTimings>;
}

export interface LabFiles {
  dir: string;
  /** CA that signed the lab vCenter's HTTPS certificate. */
  vcenterCaFile: string;
  /** CA that signed the KMS nodes' certificates. */
  kmsCaFile: string;
  /** Client certificate + key Keywatch uses to talk KMIP to the lab KMS. */
  kmsClientCertFile: string;
  kmsClientKeyFile: string;
  /** Everything below as JSON (the faults CLI reads it with --lab). */
  labFile: string;
}

export interface Lab {
  vcenter: { url: string; username: string; password: string; caPem: string; caFile: string };
  kms: {
    providerId: string;
    nodes: { id: string; host: string; port: number }[];
    caPem: string;
    caFile: string;
    client: { certPem: string; keyPem: string; certFile: string; keyFile: string };
  };
  files: LabFiles;
  /** True when dataDir was given (files survive stop()). */
  persistent: boolean;
  vcenterServer: LabVcenter;
  kmsCluster: LabKmsCluster;
  stop(): Promise<void>;
}

/**
 * The lab as other programs read it: lab.json, `--json`, and the `READY {json}` line `npm start`
 * waits for (lib/targets/lab-targets.ts turns it into Keywatch targets). PEMs are referenced by file.
 */
export function describeLab(lab: Pick<Lab, 'vcenter' | 'kms'>) {
  return {
    vcenter: { url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caFile: lab.vcenter.caFile },
    kms: {
      providerId: lab.kms.providerId,
      nodes: lab.kms.nodes.map((n) => ({ id: n.id, host: n.host, port: n.port })),
      caFile: lab.kms.caFile,
      client: { certFile: lab.kms.client.certFile, keyFile: lab.kms.client.keyFile },
    },
  };
}

const savedSchema = z.object({
  vcenter: z.object({ username: z.string(), password: z.string() }),
  ports: z.object({ vcenter: z.number().int(), kms: z.array(z.number().int()) }).optional(),
  vcenterTls: z.object({ certPem: z.string(), keyPem: z.string(), caPem: z.string() }),
  standardKeyIds: z.record(z.string(), z.string()),
  estate: z.unknown(),
});

async function readSaved(file: string) {
  try {
    return savedSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

async function writePrivate(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function startLab(options: StartLabOptions = {}): Promise<Lab> {
  const host = options.host ?? '127.0.0.1';
  const persistent = options.dataDir !== undefined;
  const dir = options.dataDir ? path.resolve(options.dataDir) : await mkdtemp(path.join(tmpdir(), 'keywatch-lab-'));
  await mkdir(dir, { recursive: true });
  const savedFile = path.join(dir, 'lab-vcenter-state.json');
  const saved = persistent ? await readSaved(savedFile) : null;
  // Same estate + same KMS data → reuse the key bindings; a different estate starts over.
  const estateOptions = options.estate ?? {};
  const sameEstate = saved !== null && JSON.stringify(saved.estate) === JSON.stringify(estateOptions);

  // A persisted lab comes back on the same ports (Keywatch's stored targets stay valid) when they are free.
  const nodeCount = options.kmsNodeCount ?? 3;
  const savedKmsPorts = saved?.ports?.kms.length === nodeCount ? saved.ports.kms : undefined;
  const kmsAddresses = options.kmsHosts ? { hosts: options.kmsHosts } : host === '127.0.0.1' ? {} : { host };
  const startKms = (ports: number[] | undefined) =>
    startKmsCluster({
      nodeCount,
      ...kmsAddresses,
      ...(ports ? { ports } : {}),
      ...(persistent ? { dataDir: path.join(dir, 'kms') } : {}),
      ...(options.kmsReplicationLagMs !== undefined ? { replicationLagMs: options.kmsReplicationLagMs } : {}),
    });
  const kmsCluster = options.kmsPorts
    ? await startKms(options.kmsPorts)
    : await startKms(savedKmsPorts).catch(() => startKms(undefined));
  let vcenterServer: LabVcenter | null = null;
  try {
    const vcenterTls = saved?.vcenterTls ?? createLabVcenterTls(host);
    const startVcenter = (port: number) =>
      startLabVcenter({
        estate: { ...estateOptions, kmsNodeCount: nodeCount },
        kms: kmsCluster,
        host,
        port,
        username: options.username ?? saved?.vcenter.username,
        password: options.password ?? saved?.vcenter.password,
        tls: vcenterTls,
        ...(options.timings ? { timings: options.timings } : {}),
        ...(sameEstate ? { existingKeyIds: saved.standardKeyIds } : {}),
      });
    vcenterServer =
      options.vcenterPort !== undefined || saved?.ports === undefined
        ? await startVcenter(options.vcenterPort ?? 0)
        : await startVcenter(saved.ports.vcenter).catch(() => startVcenter(0));
    const client = kmsCluster.issueClientCertificate('keywatch', options.clientCertDays !== undefined ? { expiresInDays: options.clientCertDays } : {});
    const files: LabFiles = {
      dir,
      vcenterCaFile: path.join(dir, 'vcenter-ca.pem'),
      kmsCaFile: path.join(dir, 'kms-ca.pem'),
      kmsClientCertFile: path.join(dir, 'keywatch-kms-client.pem'),
      kmsClientKeyFile: path.join(dir, 'keywatch-kms-client-key.pem'),
      labFile: path.join(dir, 'lab.json'),
    };
    await writeFile(files.vcenterCaFile, vcenterServer.caPem);
    await writeFile(files.kmsCaFile, kmsCluster.caPem);
    await writeFile(files.kmsClientCertFile, client.certPem);
    await writePrivate(files.kmsClientKeyFile, client.keyPem);
    const lab: Omit<Lab, 'stop' | 'vcenterServer' | 'kmsCluster'> = {
      vcenter: { url: vcenterServer.url, username: vcenterServer.username, password: vcenterServer.password, caPem: vcenterServer.caPem, caFile: files.vcenterCaFile },
      kms: {
        providerId: vcenterServer.estate.options.standardProviderId,
        nodes: kmsCluster.nodes.map((n) => ({ id: n.id, host: n.host, port: n.port })),
        caPem: kmsCluster.caPem,
        caFile: files.kmsCaFile,
        client: { ...client, certFile: files.kmsClientCertFile, keyFile: files.kmsClientKeyFile },
      },
      files,
      persistent,
    };
    await writePrivate(files.labFile, `${JSON.stringify(describeLab(lab), null, 2)}\n`);
    if (persistent) {
      await writePrivate(
        savedFile,
        JSON.stringify({
          vcenter: { username: vcenterServer.username, password: vcenterServer.password },
          ports: { vcenter: vcenterServer.port, kms: kmsCluster.nodes.map((n) => n.port) },
          vcenterTls,
          standardKeyIds: vcenterServer.standardKeyIds,
          estate: estateOptions,
        }),
      );
    }
    const running = vcenterServer;
    let stopping: Promise<void> | null = null;
    return {
      ...lab,
      vcenterServer: running,
      kmsCluster,
      stop() {
        stopping ??= (async () => {
          await running.stop();
          await kmsCluster.stop();
          if (!persistent) await rm(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await vcenterServer?.stop();
    await kmsCluster.stop();
    if (!persistent) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

const positiveInt = z.coerce.number().int().positive();
const cliSchema = z.object({
  'data-dir': z.string().optional(),
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  'kms-ports': z
    .string()
    .transform((v) => v.split(',').map((p) => Number(p.trim())))
    .pipe(z.array(z.number().int().min(1).max(65535)))
    .optional(),
  'kms-hosts': z
    .string()
    .transform((v) => v.split(',').map((h) => h.trim()))
    .pipe(z.array(z.ipv4().or(z.ipv6())))
    .optional(),
  'kms-replication-lag-ms': z.coerce.number().int().min(0).max(3_600_000).optional(),
  'client-cert-days': z.coerce.number().min(0).max(3650).optional(),
  seed: z.coerce.number().int().default(1),
  clusters: positiveInt.optional(),
  'hosts-per-cluster': positiveInt.default(4),
  hosts: positiveInt.optional(),
  'vms-per-host': z.coerce.number().int().min(0).default(4),
  'kms-nodes': positiveInt.default(3),
  'kms-self-hosted': z.boolean().default(false),
  /** How often a host whose disk groups are unmounted for want of keys retries fetching them. */
  'key-retry-ms': positiveInt.optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Leave out the lab OpenStack cloud (Keystone, Barbican, Cinder). */
  'no-openstack': z.boolean().default(false),
  json: z.boolean().default(false),
  /** Print `READY {json}` (see describeLab) once up: the handshake `npm start` waits for. */
  'ready-line': z.boolean().default(false),
});
const FLAGS = new Set(['kms-self-hosted', 'json', 'ready-line', 'no-openstack']);

export function parseLabArgs(argv: string[]): z.infer<typeof cliSchema> {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument ${arg}; options look like --name value.`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (FLAGS.has(name)) {
      raw[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined) throw new Error(`--${name} needs a value.`);
    if (inline === undefined) i += 1;
    raw[name] = value;
  }
  const known = new Set(Object.keys(cliSchema.shape));
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`Unknown option ${unknown.map((u) => `--${u}`).join(', ')}.`);
  const parsed = cliSchema.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

async function main(): Promise<void> {
  const args = parseLabArgs(process.argv.slice(2));
  const hostsPerCluster = args['hosts-per-cluster'];
  // Three by default: a KMS-encrypted, an unencrypted and an NKP-encrypted vSAN cluster, so the
  // estate npm start runs shows every case.
  const clusters = args.clusters ?? (args.hosts ? Math.ceil(args.hosts / hostsPerCluster) : 3);
  const lab = await startLab({
    ...(args['data-dir'] ? { dataDir: args['data-dir'] } : {}),
    host: args.host,
    ...(args.port !== undefined ? { vcenterPort: args.port } : {}),
    ...(args['kms-ports'] ? { kmsPorts: args['kms-ports'] } : {}),
    ...(args['kms-hosts'] ? { kmsHosts: args['kms-hosts'] } : {}),
    ...(args['kms-replication-lag-ms'] !== undefined ? { kmsReplicationLagMs: args['kms-replication-lag-ms'] } : {}),
    ...(args['client-cert-days'] !== undefined ? { clientCertDays: args['client-cert-days'] } : {}),
    kmsNodeCount: args['kms-nodes'],
    estate: { seed: args.seed, clusters, hostsPerCluster, vmsPerHost: args['vms-per-host'], kmsSelfHosted: args['kms-self-hosted'] },
    ...(args.username ? { username: args.username } : {}),
    ...(args.password ? { password: args.password } : {}),
    ...(args['key-retry-ms'] ? { timings: { keyRetryMs: args['key-retry-ms'] } } : {}),
  });
  const openstack = args['no-openstack'] ? null : await startLabOpenStack({ dir: lab.files.dir, host: args.host, persistent: lab.persistent, seed: args.seed }).catch(async (error: unknown) => {
    await lab.stop();
    throw error;
  });
  const described = { ...describeLab(lab), ...(openstack && { openstack: describeOpenStackLab(openstack) }) };
  const summary = {
    ...described,
    labFile: lab.files.labFile,
    estate: { hosts: lab.vcenterServer.estate.hosts.length, vms: lab.vcenterServer.estate.vms.length, clusters: lab.vcenterServer.estate.clusters.length },
  };
  if (args['ready-line']) {
    process.stdout.write(`READY ${JSON.stringify(described)}\n`);
  } else if (args.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const lines = [
      'Keywatch lab is running (lab-only credentials below).',
      `  vCenter      ${summary.vcenter.url}`,
      `  user         ${summary.vcenter.username}`,
      `  password     ${summary.vcenter.password}`,
      `  vCenter CA   ${summary.vcenter.caFile}`,
      `  estate       ${summary.estate.clusters} clusters, ${summary.estate.hosts} hosts, ${summary.estate.vms} VMs`,
      `  KMS provider ${summary.kms.providerId}: ${summary.kms.nodes.map((n) => `${n.id}=${n.host}:${n.port}`).join('  ')}`,
      `  KMS CA       ${summary.kms.caFile}`,
      `  KMS client   ${summary.kms.client.certFile} / ${summary.kms.client.keyFile}`,
      ...(summary.openstack ? [`  OpenStack    ${summary.openstack.authUrl} (user ${summary.openstack.username}, password ${summary.openstack.password}, project ${summary.openstack.projectName}; CA ${summary.openstack.caFile})`] : []),
      `  faults       npx tsx lab/faults-cli.ts --lab ${summary.labFile} state --no-vms`,
      lab.persistent ? `  data dir     ${lab.files.dir}` : '  data dir     (temporary; pass --data-dir .data/lab to keep it)',
      'Ctrl-C stops the lab.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  stopOnSignals('lab', async (signal) => {
    process.stderr.write(`\n${signal}: stopping the lab...\n`);
    await openstack?.stop();
    await lab.stop();
  });
}

runEntryPoint(import.meta.url, {
  name: 'lab',
  // The usage is this file's header comment.
  usage: 'usage: npm run lab -- [--data-dir .data/lab] [--host 127.0.0.1] [--port 8443] [--kms-ports 5696,5697,5698] [--seed 1] [--clusters 3] [--hosts-per-cluster 4] [--hosts N] [--vms-per-host 4] [--kms-nodes 3] [--kms-self-hosted] [--no-openstack] [--username U] [--password P] [--json | --ready-line]',
  async main(argv) {
    try {
      parseLabArgs(argv);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    await main();
  },
});
