/**
 * Benchmark: the poller on a large lab estate (default 2,500 hosts / 40,000 VMs / 4 KMS nodes).
 *
 *   npm run bench -- poll [--hosts 2500] [--vms-per-host 16] [--hosts-per-cluster 20] [--kms-nodes 4]
 *                         [--clients 20] [--http-seconds 20] [--skip-embedded] [--skip-latency] [--worker-heap-mb N]
 *                         [--cycles-only] [--worker-cpu-prof DIR]
 *
 * Processes: the lab (KMS cluster + vCenter) in one child, the worker in another (so its RSS is
 * its own; bench/children/poll-worker.ts, compiled, with npm start's worker flags), PostgreSQL from Debian's package (the server the tests start). This process registers
 * the targets, injects faults, and plays 20 HTTP clients by calling the route handlers of
 * GET /api/v1/hosts and /api/v1/alerts in-process (a Request in, a Response out, as Next calls
 * them; no Next server, no network hop) while the worker polls.
 *
 * Phases: first full cycle (vCenter read + every write, then the KMS probe of every key) against
 * PostgreSQL; a cycle with no change (rows written / entities stored); time from fault to open
 * alert for a KMS node down and for a host rebooted without its KMS (worker running at default
 * intervals); p95 of the two routes under load; the first cycle again with the lab's
 * vcenter-latency fault at 50 ms; the first cycle against the embedded database (PGlite).
 *
 * --cycles-only stops after the first two (profiling the store; --worker-cpu-prof writes the
 * worker's V8 CPU profiles).
 *
 * Last stdout line: JSON with fullCycleSeconds, embeddedFullCycleSeconds, latency50msFullCycleSeconds,
 * workerRssMB, noChangeWriteFraction, hostsP95Ms, alertsP95Ms, kmsDownDetectSeconds, diskGroupDetectSeconds,
 * and beside them the worker's peak heap and flags, CPU seconds of worker / lab / PostgreSQL for the
 * first two cycles (wall time on a shared machine says as much about the neighbours) and the load average.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { workerFlags } from '../scripts/start/node-flags';
import { processTree } from '../lib/runtime/process-table';
import { parseBenchArgs } from './support/args';
import { percentile } from './support/stats';

const ArgsSchema = z
  .object({
    hosts: z.coerce.number().int().min(1).default(2500),
    vmsPerHost: z.coerce.number().int().min(0).max(200).default(16),
    hostsPerCluster: z.coerce.number().int().min(1).max(64).default(20),
    kmsNodes: z.coerce.number().int().min(1).max(16).default(4),
    clients: z.coerce.number().int().min(1).max(200).default(20),
    httpSeconds: z.coerce.number().min(1).max(600).default(20),
    skipEmbedded: z.boolean().default(false),
    /** V8 old-space limit for the worker child (MB); default: the one npm start gives its worker. */
    workerHeapMb: z.coerce.number().int().min(0).max(16384).optional(),
    skipLatency: z.boolean().default(false),
    /** Write V8 CPU profiles of the worker children into this directory (node --cpu-prof). */
    workerCpuProf: z.string().optional(),
    /** Stop after the first and the no-change cycle (profiling the store). */
    cyclesOnly: z.boolean().default(false),
    // Child modes (internal).
    labChild: z.boolean().default(false),
  })
  .strict();
type Args = z.output<typeof ArgsSchema>;

const log = (msg: string) => process.stderr.write(`[poll] ${msg}\n`);
const SELF = fileURLToPath(import.meta.url);

// ───────────────────────────── children ─────────────────────────────

const LabInfoSchema = z.object({
  vcenter: z.object({ url: z.string(), username: z.string(), password: z.string(), caPem: z.string() }),
  kms: z.object({ providerId: z.string(), nodes: z.array(z.object({ id: z.string(), host: z.string(), port: z.number() })), caPem: z.string(), certPem: z.string(), keyPem: z.string() }),
});
type LabInfo = z.infer<typeof LabInfoSchema>;

async function runLabChild(args: Args): Promise<void> {
  const { startLab } = await import('../lab/main');
  const lab = await startLab({
    kmsNodeCount: args.kmsNodes,
    estate: { clusters: Math.ceil(args.hosts / args.hostsPerCluster), hostsPerCluster: args.hostsPerCluster, vmsPerHost: args.vmsPerHost, seed: 7 },
    timings: { rebootDownMs: 300 },
  });
  const info: LabInfo = {
    vcenter: { url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem },
    kms: { providerId: lab.kms.providerId, nodes: lab.kms.nodes, caPem: lab.kms.caPem, certPem: lab.kms.client.certPem, keyPem: lab.kms.client.keyPem },
  };
  process.stdout.write(`LAB_READY ${JSON.stringify(info)}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void lab.stop().finally(resolve);
    process.once('SIGTERM', stop);
    process.stdin.once('end', stop);
    process.stdin.resume();
  });
}

// ───────────────────────────── parent helpers ─────────────────────────────

interface Child {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

function spawnSelf(extra: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function waitLine(c: Child, prefix: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const next = await Promise.race([c.lines.next(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(1, deadline - Date.now())))]);
    if (next === 'timeout') throw new Error(`No "${prefix}" line within ${timeoutMs / 1000} s.`);
    if (next.done) throw new Error(`Child exited before printing "${prefix}".`);
    if (next.value.startsWith(prefix)) return next.value.slice(prefix.length).trim();
    process.stderr.write(`[child] ${next.value}\n`);
  }
}

let workerNodeFlags: string[] = [];

/**
 * The worker child as npm start runs its worker: the compiled bundle (launch.mjs builds it before
 * any benchmark runs) with the worker's Node flags. Under tsx it would also carry the compiler.
 */
function spawnWorker(mode: 'cycles' | 'first' | 'run', db: string, masterKey: string): Child {
  const bundle = path.join(path.dirname(SELF), '../dist/bench-poll-worker.mjs');
  const entry = existsSync(bundle) ? [bundle] : ['--import', 'tsx', path.join(path.dirname(SELF), 'children/poll-worker.ts')];
  if (!existsSync(bundle)) log(`${bundle} is missing (run through npm run bench); the worker runs under tsx and its RSS includes the compiler`);
  const child = spawn(process.execPath, [...workerNodeFlags, ...entry, '--mode', mode, '--db', db], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, KEYWATCH_MASTER_KEY: masterKey } });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function runWorker(mode: 'cycles' | 'first', db: string, masterKey: string): Promise<Record<string, unknown>> {
  const c = spawnWorker(mode, db, masterKey);
  const out = JSON.parse(await waitLine(c, 'RESULT ', 30 * 60_000)) as Record<string, unknown>;
  c.child.stdin!.end();
  return out;
}

/** CPU seconds of a process and everything below it, with the children it has reaped (PostgreSQL's finished backends). */
function treeCpuSeconds(pid: number): number {
  const tree = processTree(pid);
  return tree.reduce((sum, p) => sum + p.cpuSeconds, 0) + (tree[0]?.reapedChildrenCpuSeconds ?? 0);
}

/** The PostgreSQL server listening on `port` (its postmaster's pid). */
function postmasterPid(port: string): number | undefined {
  return processTree(1).find((p) => / -p (\S+)/.exec(p.command)?.[1] === port && p.command.includes('/postgres '))?.pid;
}

async function labFault(lab: LabInfo, body: unknown): Promise<void> {
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: lab.vcenter.caPem } });
  try {
    const res = await fetch(`${lab.vcenter.url}/lab/faults`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Basic ${Buffer.from(`${lab.vcenter.username}:${lab.vcenter.password}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`fault ${JSON.stringify(body)} → ${res.status} ${await res.text()}`);
    await res.text();
  } finally {
    await dispatcher.close();
  }
}

async function registerTargets(url: string, lab: LabInfo, masterKey: string, vcenterName = 'lab-vcenter') {
  const { createPrismaClient } = await import('../lib/db/client');
  const { createKmsProvider, createVcenter } = await import('../lib/targets/store');
  const { SecretBox } = await import('../lib/secrets/keyring');
  const { masterKeyFromBytes } = await import('../lib/secrets/envelope');
  const key = masterKeyFromBytes(Buffer.from(masterKey, 'base64'));
  const box = new SecretBox({ current: key, all: [key], source: 'env' });
  const prisma = createPrismaClient(url, 20);
  const vc = await createVcenter(prisma, box, { name: vcenterName, url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem });
  const existing = await prisma.kmsProvider.findUnique({ where: { name: lab.kms.providerId } });
  if (!existing) {
    await createKmsProvider(prisma, box, { name: lab.kms.providerId, nodes: lab.kms.nodes.map((n) => ({ host: n.host, port: n.port })), caPem: lab.kms.caPem, clientCertPem: lab.kms.certPem, clientKeyPem: lab.kms.keyPem });
  }
  return { prisma, vcenterId: vc.id };
}

async function waitForAlert(prisma: import('../lib/db/client').PrismaClient, kind: string, since: Date, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alert = await prisma.alert.findFirst({ where: { kind, firstSeenAt: { gte: since } }, orderBy: { firstSeenAt: 'asc' } });
    if (alert) return (Date.now() - since.getTime()) / 1000;
    if (Date.now() > deadline) return NaN;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema);
  if (args.labChild) return runLabChild(args);

  const flags = workerFlags();
  workerNodeFlags = args.workerHeapMb === undefined ? flags : [...flags.filter((f) => !f.startsWith('--max-old-space-size=')), ...(args.workerHeapMb > 0 ? [`--max-old-space-size=${args.workerHeapMb}`] : [])];
  if (args.workerCpuProf) workerNodeFlags.push('--cpu-prof', `--cpu-prof-dir=${args.workerCpuProf}`);
  const { startTestPostgres } = await import('../lib/db/testing/postgres-server');
  const { migrate } = await import('../lib/db/migrate');
  const { createMigratedDatabase } = await import('./support/database');
  const masterKey = randomBytes(32).toString('base64');
  const clusters = Math.ceil(args.hosts / args.hostsPerCluster);
  log(`lab: ${clusters * args.hostsPerCluster} hosts × ${args.vmsPerHost} VMs, ${args.kmsNodes} KMS nodes (child process)`);
  let t = Date.now();
  const labChild = spawnSelf(['--lab-child', '--hosts', String(args.hosts), '--vms-per-host', String(args.vmsPerHost), '--hosts-per-cluster', String(args.hostsPerCluster), '--kms-nodes', String(args.kmsNodes)]);
  const [labLine, pgServer] = await Promise.all([waitLine(labChild, 'LAB_READY ', 600_000), startTestPostgres()]);
  const lab = LabInfoSchema.parse(JSON.parse(labLine));
  labChild.child.once('exit', (code, signal) => log(`lab child exited (${signal ?? `code ${code}`})`));
  log(`lab and PostgreSQL ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const figures: Record<string, unknown> = {};
  const cleanups: (() => Promise<unknown>)[] = [async () => labChild.child.stdin!.end(), () => pgServer.stop()];
  try {
    const dbUrl = new URL(await createMigratedDatabase(pgServer.url, 'keywatch_bench'));
    const { prisma, vcenterId } = await registerTargets(dbUrl.toString(), lab, masterKey);

    // 1. First full cycle and a cycle with no change, in the worker process.
    log('first full cycle against PostgreSQL (worker child)…');
    const postgresPid = postmasterPid(dbUrl.port);
    const cpuOf = () => ({ lab: treeCpuSeconds(labChild.child.pid!), postgres: postgresPid === undefined ? NaN : treeCpuSeconds(postgresPid) });
    const cpuBefore = cpuOf();
    const cycles = await runWorker('cycles', dbUrl.toString(), masterKey);
    // Both cycles (first and no-change): the worker's own CPU per cycle is in vcenterCpuSeconds / quietVcenterCpuSeconds.
    figures.cyclesCpuSeconds = {
      workerFirstCycle: Number(((cycles.vcenterCpuSeconds as number) + (cycles.kmsCpuSeconds as number)).toFixed(1)),
      workerQuietVcenter: Number((cycles.quietVcenterCpuSeconds as number).toFixed(1)),
      lab: Number((cpuOf().lab - cpuBefore.lab).toFixed(1)),
      postgres: Number((cpuOf().postgres - cpuBefore.postgres).toFixed(1)),
    };
    log(`cycles: ${JSON.stringify(cycles)}`);
    const entities =
      (await prisma.vcHost.count()) +
      (await prisma.vcVm.count()) +
      (await prisma.vcVmDisk.count()) +
      (await prisma.vcDiskGroup.count()) +
      (await prisma.vcCluster.count()) +
      (await prisma.vcDatastore.count()) +
      (await prisma.vcHostProviderHealth.count()) +
      (await prisma.vcKey.count()) +
      (await prisma.kmsNodeState.count()) +
      (await prisma.kmsNodeKey.count());
    const rows = (k: string) => Number((cycles[k] as { rowsWritten?: number } | null)?.rowsWritten ?? NaN);
    figures.fullCycleSeconds = Number(((cycles.vcenterSeconds as number) + (cycles.kmsSeconds as number)).toFixed(2));
    figures.vcenterFirstCycleSeconds = Number((cycles.vcenterSeconds as number).toFixed(2));
    figures.kmsFirstCycleSeconds = Number((cycles.kmsSeconds as number).toFixed(2));
    figures.quietVcenterCycleSeconds = Number((cycles.quietVcenterSeconds as number).toFixed(2));
    figures.entities = entities;
    figures.noChangeRowsWritten = rows('quietVcenter') + rows('quietKms');
    figures.noChangeWriteFraction = Number(((rows('quietVcenter') + rows('quietKms')) / entities).toFixed(5));
    figures.vcenterRequests = (cycles.vcenter as { requests: number }).requests;
    let workerRss = cycles.peakRssMB as number;
    let workerHeap = cycles.peakHeapMB as number;
    figures.workerHeapLimitMB = cycles.heapLimitMB;

    // 2. The worker running for real; faults; 20 HTTP clients.
    if (!args.cyclesOnly) {
      log('worker running at default intervals; faults and HTTP load…');
      // The cycles above ran on a clock moved ahead; the real worker starts from now.
      await prisma.pollState.updateMany({ data: { nextDueAt: new Date() } });
      const running = spawnWorker('run', dbUrl.toString(), masterKey);
      await waitLine(running, 'RUNNING', 60_000);
      try {
        let since = new Date();
        await labFault(lab, { type: 'kms-node-down', node: lab.kms.nodes[1]!.id });
        figures.kmsDownDetectSeconds = Number((await waitForAlert(prisma, 'KMS_NODE_DOWN', since, 120_000)).toFixed(1));
        log(`KMS node down → alert in ${figures.kmsDownDetectSeconds} s`);
        await labFault(lab, { type: 'kms-node-down', node: lab.kms.nodes[1]!.id, down: false });

        const host = await prisma.vcHost.findFirstOrThrow({ where: { vcenterId, clusterId: { not: null }, cryptoState: 'safe' }, orderBy: { name: 'asc' } });
        const cluster = await prisma.vcCluster.findUniqueOrThrow({ where: { id: host.clusterId! } });
        const victim = cluster.vsanProviderId === lab.kms.providerId ? host : await prisma.vcHost.findFirstOrThrow({ where: { vcenterId, clusterId: (await prisma.vcCluster.findFirstOrThrow({ where: { vcenterId, vsanProviderId: lab.kms.providerId } })).id } });
        since = new Date();
        await labFault(lab, { type: 'host-kms-isolation', host: victim.moid });
        await labFault(lab, { type: 'host-reboot', host: victim.moid, wait: true });
        figures.diskGroupDetectSeconds = Number((await waitForAlert(prisma, 'DISK_GROUP_UNMOUNTED', since, 300_000)).toFixed(1));
        log(`host rebooted without its KMS → DISK_GROUP_UNMOUNTED in ${figures.diskGroupDetectSeconds} s (vCenter interval 30 s)`);

        const load = await httpLoad(dbUrl.toString(), args.clients, args.httpSeconds);
        Object.assign(figures, load);
        log(`HTTP: hosts p95 ${load.hostsP95Ms} ms, alerts p95 ${load.alertsP95Ms} ms (${load.requests} requests, ${args.clients} clients, in-process handlers)`);
        await labFault(lab, { type: 'host-kms-isolation', host: victim.moid, on: false });
      } finally {
        running.child.stdin!.end();
        const out = JSON.parse(await waitLine(running, 'RESULT ', 120_000)) as { peakRssMB: number; peakHeapMB: number };
        workerRss = Math.max(workerRss, out.peakRssMB);
        workerHeap = Math.max(workerHeap, out.peakHeapMB);
      }
    }
    figures.workerRssMB = workerRss;
    figures.workerPeakHeapMB = workerHeap;

    // 3. vCenter 50 ms away: a first full cycle of a fresh target.
    if (!args.skipLatency && !args.cyclesOnly) {
      await prisma.pollState.updateMany({ data: { nextDueAt: new Date(Date.now() + 86_400_000) } });
      await registerTargets(dbUrl.toString(), lab, masterKey, 'lab-vcenter-50ms').then((r) => r.prisma.$disconnect());
      await labFault(lab, { type: 'vcenter-latency', ms: 50 });
      log('first full cycle with vcenter-latency 50 ms…');
      const slow = await runWorker('first', dbUrl.toString(), masterKey);
      await labFault(lab, { type: 'vcenter-latency', ms: 0 });
      log(`50 ms: ${JSON.stringify(slow)}`);
      figures.latency50msFullCycleSeconds = Number((slow.vcenterSeconds as number).toFixed(2));
      figures.latency50msRequests = (slow.vcenter as { requests: number } | null)?.requests ?? null;
    }
    await prisma.$disconnect();

    // 4. The embedded database.
    if (!args.skipEmbedded && !args.cyclesOnly) {
      const dir = mkdtempSync(path.join(tmpdir(), 'keywatch-bench-pglite-'));
      const { findFreePort } = await import('../lib/runtime/ports');
      const port = await findFreePort();
      t = Date.now();
      const embedded = spawn(process.execPath, ['--import', 'tsx', path.join(path.dirname(SELF), '../lib/db/embedded-main.ts')], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, KEYWATCH_DATA_DIR: dir, KEYWATCH_EMBEDDED_DB_PORT: String(port) },
      });
      try {
        const url = await waitLine({ child: embedded, lines: createInterface({ input: embedded.stdout! })[Symbol.asyncIterator]() }, 'READY ', 180_000);
        await migrate(url);
        log(`embedded database ready and migrated in ${((Date.now() - t) / 1000).toFixed(1)} s`);
        await registerTargets(url, lab, masterKey).then((r) => r.prisma.$disconnect());
        log('first full cycle against the embedded database…');
        const emb = await runWorker('first', url, masterKey);
        log(`embedded: ${JSON.stringify(emb)}`);
        figures.embeddedFullCycleSeconds = Number(((emb.vcenterSeconds as number) + (emb.kmsSeconds as number)).toFixed(2));
      } finally {
        embedded.kill('SIGTERM');
        await new Promise((r) => embedded.once('exit', r));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
  figures.workerNodeFlags = workerNodeFlags.join(' ');
  figures.loadAverage1m = Number(os.loadavg()[0]!.toFixed(1));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** 20 clients calling the route handlers in-process, half on hosts (pages, filters, search), half on alerts. */
async function httpLoad(dbUrl: string, clients: number, seconds: number): Promise<{ hostsP95Ms: number; alertsP95Ms: number; hostsP50Ms: number; alertsP50Ms: number; requests: number }> {
  process.env.DATABASE_URL = dbUrl;
  const { createPrismaClient } = await import('../lib/db/client');
  const { setPrismaFactoryForTests } = await import('../lib/auth/with-policy');
  const { skipLazyBootstrapForTests } = await import('../lib/auth/bootstrap-once');
  const { createApiToken } = await import('../lib/auth/api-tokens');
  const prisma = createPrismaClient(dbUrl, 10);
  setPrismaFactoryForTests(() => prisma);
  skipLazyBootstrapForTests();
  // Tokens live as long as their creator may hold the scopes; an admin makes this read-only one.
  const creator = await prisma.user.create({ data: { username: `bench-${Date.now()}`, role: 'admin', passwordHash: null } });
  const token = (await createApiToken(prisma, { name: 'bench', scopes: ['read'], expiresAt: null, createdById: creator.id })).value;
  const hostsRoute = await import('../app/api/v1/hosts/route');
  const alertsRoute = await import('../app/api/v1/alerts/route');
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const res = await hostsRoute.GET(new Request(`http://bench/api/v1/hosts?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) });
    cursor = ((await res.json()) as { nextCursor: string | null }).nextCursor;
    if (!cursor) break;
    cursors.push(cursor);
  }
  const hostUrls = ['?limit=50', ...cursors.map((c) => `?limit=50&cursor=${c}`), '?cryptoState=safe&limit=50', '?connection=connected&limit=100', '?q=esx-01&limit=50', '?cryptoState=prepared'];
  const alertUrls = ['', '?severity=critical', '?state=all&limit=100', '?kind=DISK_GROUP_UNMOUNTED'];
  const timings = { hosts: [] as number[], alerts: [] as number[] };
  const end = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (Date.now() < end) {
        const hosts = (n + client) % 2 === 0;
        const url = hosts ? `/api/v1/hosts${hostUrls[n % hostUrls.length]}` : `/api/v1/alerts${alertUrls[n % alertUrls.length]}`;
        n++;
        const started = performance.now();
        const res = await (hosts ? hostsRoute : alertsRoute).GET(new Request(`http://bench${url}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) });
        await res.text();
        if (res.status !== 200) throw new Error(`${url} → ${res.status}`);
        (hosts ? timings.hosts : timings.alerts).push(performance.now() - started);
      }
    }),
  );
  await prisma.$disconnect();
  const r = (v: number) => Number(v.toFixed(1));
  return {
    hostsP95Ms: r(percentile(timings.hosts, 95)),
    alertsP95Ms: r(percentile(timings.alerts, 95)),
    hostsP50Ms: r(percentile(timings.hosts, 50)),
    alertsP50Ms: r(percentile(timings.alerts, 50)),
    requests: timings.hosts.length + timings.alerts.length,
  };
}

// Exit explicitly: a child's stdout reader or a pool timer must not keep a finished benchmark alive.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
