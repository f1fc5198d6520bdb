/**
 * Benchmark: one full poll (lib/openstack/poll.ts) of a lab cloud with 20,000 volumes, 5,000
 * snapshots and 5,000 backups over 50 projects, and the Barbican requests it makes per distinct key.
 *
 * The lab cloud runs in a child process so the poll's figures are its own. The per-key figures come
 * from the lab's counters (requests that named one secret: metadata or ACL), compared with the
 * distinct key IDs the poll found. Then the poller stores it as the worker does (lib/poller's
 * OpenStack cycle into PostgreSQL from Debian's package, the server the tests start): a first cycle
 * writes every row, a second with nothing changed writes what changed — `noChangeWriteFraction` is
 * its rows written (observations, samples, alerts, poll state, run record) over the rows stored.
 *
 *   npm run bench -- openstack [--volumes 20000] [--snapshots 5000] [--backups 5000] [--projects 50]
 *                              [--cinder-hosts 10] [--concurrency 16]
 *
 * Last stdout line: JSON with fullPollSeconds, barbicanRequestsPerKey, noChangeWriteFraction and details.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { createPrismaClient } from '../lib/db/client';
import { startTestPostgres } from '../lib/db/testing/postgres-server';
import { createLogger } from '../lib/logging/logger';
import { fixedKeyRemovalVerdict } from '../lib/openstack/key-state';
import { pollDue } from '../lib/poller/due-targets';
import type { CycleDeps, CycleResult } from '../lib/poller/cycle';
import { masterKeyFromBytes } from '../lib/secrets/envelope';
import { SecretBox } from '../lib/secrets/keyring';
import { createOpenstackCloud } from '../lib/targets/openstack-store';
import { pollOpenStack } from '../lib/openstack/poll';
import type { OpenStackSnapshot } from '../lib/openstack/snapshot';
import { createMigratedDatabase } from './support/database';

const OptionsSchema = z.object({
  volumes: z.coerce.number().int().min(1).default(20_000),
  snapshots: z.coerce.number().int().min(0).default(5_000),
  backups: z.coerce.number().int().min(0).default(5_000),
  projects: z.coerce.number().int().min(1).default(50),
  cinderHosts: z.coerce.number().int().min(1).default(10),
  concurrency: z.coerce.number().int().min(1).max(256).default(16),
  labChild: z.boolean().default(false),
});
type Options = z.output<typeof OptionsSchema>;

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      volumes: { type: 'string' },
      snapshots: { type: 'string' },
      backups: { type: 'string' },
      projects: { type: 'string' },
      'cinder-hosts': { type: 'string' },
      concurrency: { type: 'string' },
      'lab-child': { type: 'boolean' },
    },
    strict: true,
  });
  const parsed = OptionsSchema.safeParse({ ...values, cinderHosts: values['cinder-hosts'], labChild: values['lab-child'] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid --${String(issue?.path[0] ?? 'argument').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}

const LabInfoSchema = z.object({
  watcher: z.object({ name: z.string(), authUrl: z.string(), username: z.string(), password: z.string(), userDomainId: z.string(), projectName: z.string(), projectDomainId: z.string(), region: z.string(), caPem: z.string() }),
  keystoneUrl: z.string(),
  admin: z.object({ username: z.string(), password: z.string() }),
});
type LabInfo = z.infer<typeof LabInfoSchema>;

const LabCountsSchema = z.object({ total: z.number(), unencrypted: z.number(), fixedKey: z.number(), secretPresent: z.number(), secretMissing: z.number(), unreadable: z.number() });
const LabStateSchema = z.object({
  counts: z.object({ volumes: LabCountsSchema, snapshots: LabCountsSchema, backups: LabCountsSchema }),
  requests: z.object({ barbican: z.number(), cinder: z.number(), secretRequests: z.object({ total: z.number(), distinctSecrets: z.number(), maxPerSecret: z.number() }) }),
});

/** Child mode: start the lab cloud at the requested size and print how to reach it. */
async function runLabChild(o: Options): Promise<void> {
  const { startQuietOpenStackLab } = await import('../lab/openstack/testing');
  const lab = await startQuietOpenStackLab({
    estate: { seed: 14, volumes: o.volumes, snapshots: o.snapshots, backups: o.backups, projects: o.projects, cinderHosts: o.cinderHosts, backupHosts: Math.min(4, o.cinderHosts), usersPerProject: 3 },
  });
  const info: LabInfo = { watcher: lab.watcher, keystoneUrl: lab.urls.keystone, admin: { username: lab.admin.username, password: lab.admin.password } };
  process.stdout.write(`LAB_READY ${JSON.stringify(info)}\n`);
  const stop = () => void lab.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

async function startLabChild(o: Options): Promise<{ child: ChildProcess; info: LabInfo }> {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, '--lab-child', '--volumes', String(o.volumes), '--snapshots', String(o.snapshots), '--backups', String(o.backups), '--projects', String(o.projects), '--cinder-hosts', String(o.cinderHosts)];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<LabInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the lab child exited (${code}) before it was ready`)));
    lines.on('line', (line) => {
      if (line.startsWith('LAB_READY ')) resolve(LabInfoSchema.parse(JSON.parse(line.slice('LAB_READY '.length))));
    });
  });
  return { child, info };
}

async function labCall(info: LabInfo, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const agent = new Agent({ connect: { ca: info.watcher.caPem } });
  try {
    const res = await request(`${info.keystoneUrl}${path}`, {
      method,
      dispatcher: agent,
      headers: { authorization: `Basic ${Buffer.from(`${info.admin.username}:${info.admin.password}`).toString('base64')}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.body.json()) as unknown;
    if (res.statusCode !== 200) throw new Error(`lab ${method} ${path} answered ${res.statusCode}: ${JSON.stringify(json)}`);
    return json;
  } finally {
    await agent.close();
  }
}

function mismatches(snap: OpenStackSnapshot, truth: z.infer<typeof LabStateSchema>): string[] {
  const out: string[] = [];
  for (const kind of ['volumes', 'snapshots', 'backups'] as const) {
    const c = snap.counts[kind];
    const t = truth.counts[kind];
    const pairs: [string, number, number][] = [
      ['total', snap[kind].length, t.total],
      ['unencrypted', c.unencrypted, t.unencrypted],
      ['fixed-key', c['fixed-key'], t.fixedKey],
      ['dangling', c.dangling, t.secretMissing],
      ['cannot-verify', c['cannot-verify'], t.unreadable],
      ['verified', c.migrated + c.anomalous, t.secretPresent - t.unreadable],
    ];
    for (const [what, got, want] of pairs) if (got !== want) out.push(`${kind} ${what}: poll ${got}, lab ${want}`);
  }
  return out;
}

/**
 * Two worker cycles of the cloud into a fresh PostgreSQL database: the first stores everything, the
 * second (nothing changed in the lab) writes only what changed.
 */
async function storeTwice(info: LabInfo): Promise<{ first: CycleResult; second: CycleResult; storedRows: number }> {
  const server = await startTestPostgres();
  try {
    const url = await createMigratedDatabase(server.url, 'bench_openstack');
    const prisma = createPrismaClient(url, 4);
    try {
      const key = masterKeyFromBytes(randomBytes(32));
      const box = new SecretBox({ current: key, all: [key], source: 'env' });
      const w = info.watcher;
      const cloud = await createOpenstackCloud(prisma, box, { name: w.name, authUrl: w.authUrl, username: w.username, password: w.password, userDomain: 'Default', projectName: w.projectName, projectDomain: 'Default', region: w.region, interface: 'public', caPem: w.caPem });
      // Real time (cycle durations are measured on it), moved on by an interval between the cycles.
      let offset = 0;
      const deps: CycleDeps = {
        prisma,
        box,
        workerId: 'bench',
        now: () => new Date(Date.now() + offset),
        logger: createLogger('bench-openstack', { level: 'warn' }),
        settings: { vcenterIntervalMs: 60_000, kmsIntervalMs: 60_000, vcenterTimeoutMs: 600_000, kmsTimeoutMs: 60_000, staleAfterMs: 3_600_000 },
        transactionTimeoutMs: 600_000,
      };
      const cycle = async () => {
        const [result] = await pollDue(deps, 'openstack', 1);
        if (!result) throw new Error('the OpenStack cloud was not due');
        offset += 61_000;
        return result;
      };
      console.error('First stored cycle…');
      const first = await cycle();
      console.error(`First stored cycle ${(first.durationMs / 1000).toFixed(1)} s, ${first.rowsWritten} rows written.`);
      console.error('Second stored cycle, nothing changed…');
      const second = await cycle();
      const counts = await Promise.all([prisma.osRow.count({ where: { cloudId: cloud.id } }), prisma.osSecret.count({ where: { cloudId: cloud.id } }), prisma.osCloudState.count({ where: { cloudId: cloud.id } })]);
      return { first, second, storedRows: counts.reduce((a, b) => a + b, 0) };
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  if (o.labChild) return runLabChild(o);
  console.error(`Starting the lab cloud (${o.volumes} volumes, ${o.snapshots} snapshots, ${o.backups} backups, ${o.projects} projects) in a child process…`);
  const { child, info } = await startLabChild(o);
  try {
    const config = { ...info.watcher, maxConcurrency: o.concurrency, timeoutMs: 120_000 };
    await labCall(info, 'POST', '/lab/faults', { type: 'reset-counters' });
    console.error('Full poll…');
    const t0 = performance.now();
    const snap = await pollOpenStack(config);
    const fullPollSeconds = (performance.now() - t0) / 1000;
    const truth = LabStateSchema.parse(await labCall(info, 'GET', '/lab/state'));
    const wrong = mismatches(snap, truth);
    if (snap.errors.length > 0) console.error(`Poll errors: ${snap.errors.map((e) => e.message).join(' | ')}`);
    if (wrong.length > 0) console.error(`Counts differ from the lab's ground truth: ${wrong.join('; ')}`);
    const distinctKeys = snap.requests.barbicanDistinctKeys;
    const perKeyRequests = truth.requests.secretRequests.total;
    console.error(`Full poll ${fullPollSeconds.toFixed(1)} s; ${distinctKeys} distinct keys, ${perKeyRequests} per-key Barbican requests (max ${truth.requests.secretRequests.maxPerSecret} for one key), ${snap.requests.barbicanListPages} list pages, ${snap.requests.cinder} Cinder requests.`);

    const stored = await storeTwice(info);

    const figures = {
      fullPollSeconds: Number(fullPollSeconds.toFixed(2)),
      barbicanRequestsPerKey: distinctKeys > 0 ? Number((perKeyRequests / distinctKeys).toFixed(3)) : 0,
      noChangeWriteFraction: Number((stored.second.rowsWritten / stored.storedRows).toFixed(5)),
      noChangeRowsWritten: stored.second.rowsWritten,
      storedRows: stored.storedRows,
      firstStoredCycleSeconds: Number((stored.first.durationMs / 1000).toFixed(2)),
      firstStoredCyclePhasesMs: stored.first.phasesMs,
      noChangeCycleSeconds: Number((stored.second.durationMs / 1000).toFixed(2)),
      noChangeCyclePhasesMs: stored.second.phasesMs,
      maxBarbicanRequestsForOneKey: truth.requests.secretRequests.maxPerSecret,
      barbicanRequestsTotalPerKey: distinctKeys > 0 ? Number((snap.requests.barbican / distinctKeys).toFixed(3)) : 0,
      volumes: snap.volumes.length,
      snapshots: snap.snapshots.length,
      backups: snap.backups.length,
      projects: o.projects,
      distinctKeys,
      requests: snap.requests,
      countsMatchGroundTruth: wrong.length === 0,
      pollErrors: snap.errors.length + (stored.first.error ? 1 : 0) + (stored.second.error ? 1 : 0),
      fixedKeyRemoval: fixedKeyRemovalVerdict(snap).verdict,
      counts: snap.counts.volumes,
      concurrency: o.concurrency,
      cpus: cpus().length,
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    };
    console.log(JSON.stringify(figures));
    if (wrong.length > 0 || figures.pollErrors > 0 || figures.maxBarbicanRequestsForOneKey > 1) process.exitCode = 1;
  } finally {
    child.stdin?.end();
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
