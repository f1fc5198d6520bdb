/**
 * Benchmark: the readiness gate's live check and a cluster's rolling plan against the lab.
 *
 * 1. A host with 200 encrypted VMs, each with its own config key and disk key on the standard
 *    provider (≈ 400 key ids; the lab's VMs are rekeyed onto the KMS twice to get there), on a
 *    provider of 4 lab KMS nodes: full live checks (vCenter read of the host, its peers and VMs, one
 *    batched KMIP message per node, nodes in parallel), p50 / p95.
 * 2. The same keys checked one GetAttributes per KMIP message (one key at a time per node, nodes in
 *    parallel, over an open connection): the baseline the batching replaces.
 * 3. A 64-host cluster's rolling plan (a live reboot check of every host).
 *
 * The lab (vCenter and KMS nodes) runs in a child process, as a real estate runs elsewhere; on this
 * machine it still shares the cores with the client. Each estate's data is stored by the poller's
 * own cycle in a PostgreSQL from lib/db/testing, as the gate reads it.
 *
 *   npm run bench -- readiness [--checks 20] [--plan-runs 3] [--plan-hosts 64]
 *
 * Last stdout line: JSON with p95Ms, rollingPlanMs, perKeyBaselineMs and details.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { EstateOptions } from '../lab/vcenter/estate';
import type { PrismaClient } from '../lib/db/client';
import { createPrismaClient } from '../lib/db/client';
import { startTestPostgres, type TestPostgres } from '../lib/db/testing/postgres-server';
import { KmipClient } from '../lib/kmip/client';
import { getAttributesItem, getAttributesOutcome } from '../lib/kmip/operations';
import { createLogger } from '../lib/logging/logger';
import { RowCache } from '../lib/poller/cycle';
import { pollDue } from '../lib/poller/due-targets';
import { checkHostReadiness } from '../lib/readiness/check';
import { planCluster } from '../lib/readiness/cluster-plan';
import { createReadinessSources, resolveHost } from '../lib/readiness/sources';
import { masterKeyFromBytes } from '../lib/secrets/envelope';
import { SecretBox } from '../lib/secrets/keyring';
import { createKmsProvider, createVcenter } from '../lib/targets/store';
import { openVsphereClient } from '../lib/targets/vcenter-connection';
import { mapLimited } from '../lib/vsphere/concurrency-limit';
import { parseBenchArgs } from './support/args';
import { createMigratedDatabase } from './support/database';
import { percentile } from './support/stats';

const ArgsSchema = z
  .object({
    checks: z.coerce.number().int().min(5).max(1000).default(20),
    planRuns: z.coerce.number().int().min(1).max(20).default(3),
    planHosts: z.coerce.number().int().min(2).max(64).default(64),
    /** Internal: run the lab with this estate (JSON) and print its coordinates. */
    labChild: z.string().optional(),
  })
  .strict();

const LabInfoSchema = z.object({
  vcenter: z.object({ url: z.string(), username: z.string(), password: z.string(), caPem: z.string() }),
  kms: z.object({ nodes: z.array(z.object({ host: z.string(), port: z.number() })), caPem: z.string(), certPem: z.string(), keyPem: z.string() }),
});
type LabInfo = z.infer<typeof LabInfoSchema>;

/** Child mode: the lab, with 4 KMS nodes and the estate asked for, until stdin closes. */
async function runLabChild(estate: EstateOptions): Promise<void> {
  const { startLab } = await import('../lab/main');
  const lab = await startLab({ kmsNodeCount: 4, estate, timings: { rekeyPerDiskMs: 1, vmPowerMs: 1 } });
  const info: LabInfo = {
    vcenter: { url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem },
    kms: { nodes: lab.kms.nodes.map((n) => ({ host: n.host, port: n.port })), caPem: lab.kms.caPem, certPem: lab.kms.client.certPem, keyPem: lab.kms.client.keyPem },
  };
  process.stdout.write(`LAB_READY ${JSON.stringify(info)}\n`);
  const stop = () => void lab.stop().finally(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.resume();
}

async function startLabChild(estate: EstateOptions): Promise<{ child: ChildProcess; info: LabInfo }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--lab-child', JSON.stringify(estate)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<LabInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The lab did not start within 300 s.')), 300_000);
    child.once('exit', (code) => reject(new Error(`The lab exited early with code ${code}.`)));
    lines.on('line', (line) => {
      if (!line.startsWith('LAB_READY ')) return void process.stderr.write(`[lab] ${line}\n`);
      clearTimeout(timer);
      resolve(LabInfoSchema.parse(JSON.parse(line.slice('LAB_READY '.length))));
    });
  });
  return { child, info };
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const round = (ms: number) => Math.round(ms * 10) / 10;

interface Estate {
  lab: LabInfo;
  prisma: PrismaClient;
  box: SecretBox;
  vcenterId: string;
  close(): Promise<void>;
}

let dbCount = 0;

/** A lab of 4 KMS nodes and one standard-encrypted cluster (child process), registered as targets. */
async function startEstate(server: TestPostgres, estate: EstateOptions): Promise<Estate> {
  const { child, info: lab } = await startLabChild({ seed: 11, clusters: 1, clusterEncryption: ['standard'], poweredOffVmRatio: 0.1, kmsNodeCount: 4, ...estate });
  const name = `bench_readiness_${++dbCount}`;
  const url = await createMigratedDatabase(server.url, name);
  const prisma = createPrismaClient(url, 16);
  const key = masterKeyFromBytes(randomBytes(32));
  const box = new SecretBox({ current: key, all: [key], source: 'env' });
  const vc = await createVcenter(prisma, box, { name: 'lab-vcenter', url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem });
  await createKmsProvider(prisma, box, { name: 'lab-kms', nodes: lab.kms.nodes, caPem: lab.kms.caPem, clientCertPem: lab.kms.certPem, clientKeyPem: lab.kms.keyPem });
  return {
    lab,
    prisma,
    box,
    vcenterId: vc.id,
    async close() {
      await prisma.$disconnect();
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

/** One poll of every target, as the worker would, so the gate finds hosts and appliance VMs stored. */
async function pollOnce(e: Estate): Promise<void> {
  const deps = {
    prisma: e.prisma,
    box: e.box,
    workerId: 'bench-readiness',
    now: () => new Date(),
    logger: createLogger('bench-readiness', { level: 'warn', destination: process.stderr as never }),
    settings: { vcenterIntervalMs: 30_000, kmsIntervalMs: 10_000, vcenterTimeoutMs: 600_000, kmsTimeoutMs: 60_000, staleAfterMs: 600_000 },
    cache: new RowCache(),
    transactionTimeoutMs: 600_000,
  };
  for (const kind of ['kms', 'vcenter'] as const) {
    const results = await pollDue(deps, kind, 4);
    const failed = results.find((r) => r.outcome !== 'success');
    if (failed) throw new Error(`The ${kind} poll did not succeed: ${failed.error ?? failed.outcome}`);
  }
}

/**
 * Every VM on the host onto the standard provider with a config key and a disk key of its own:
 * a shallow rekey of config and disks to a new KMS key, then of the config alone to another.
 */
async function rekeyOntoKms(e: Estate, hostId: string): Promise<void> {
  const client = await openVsphereClient(e.prisma, e.box, e.vcenterId, 60_000);
  try {
    const snapshot = await client.readHosts([hostId], { providerDetails: false });
    const vms = snapshot.vms.filter((v) => v.hostId === hostId && v.keyId !== null);
    await mapLimited(vms, 8, async (vm) => {
      await client.waitForTask(await client.shallowRekeyVm(vm.id, { keyId: (await client.generateKey('lab-kms')).keyId, providerId: 'lab-kms' }, { includeDisks: true }));
      await client.waitForTask(await client.shallowRekeyVm(vm.id, { keyId: (await client.generateKey('lab-kms')).keyId, providerId: 'lab-kms' }, { includeDisks: false }));
    });
  } finally {
    await client.close();
  }
}

async function timedCheck(e: Estate, hostId: string): Promise<{ ms: number; verdict: string; blocking: string[] }> {
  const host = await resolveHost(e.prisma, hostId);
  const started = performance.now();
  const sources = createReadinessSources({ prisma: e.prisma, box: e.box, vcenterId: host.vcenterId, freshnessLimitMs: 600_000 });
  try {
    const result = await checkHostReadiness(sources, host.moid, 'reboot');
    return { ms: performance.now() - started, verdict: result.verdict, blocking: result.blocking };
  } finally {
    await sources.close();
  }
}

/** The keys the host needs, from vCenter (the cluster's KEK and host key, every VM's config and disk keys). */
async function neededKeyIds(e: Estate, hostId: string): Promise<string[]> {
  const client = await openVsphereClient(e.prisma, e.box, e.vcenterId, 60_000);
  try {
    const snapshot = await client.readHosts([hostId], { providerDetails: false });
    const cluster = snapshot.clusters[0]!;
    const ids = new Set<string>([cluster.vsanEncryption!.kekId!, cluster.vsanEncryption!.hostKeyId!]);
    for (const vm of snapshot.vms.filter((v) => v.hostId === hostId)) {
      for (const k of [vm.keyId, ...vm.disks.map((d) => d.keyId)]) if (k?.providerId === 'lab-kms') ids.add(k.keyId);
    }
    return [...ids];
  } finally {
    await client.close();
  }
}

/** One GetAttributes per KMIP message, one key after the other on each node; nodes in parallel. */
async function perKeyBaseline(e: Estate, keyIds: string[]): Promise<{ ms: number; messages: number; active: number }> {
  const clients = e.lab.kms.nodes.map((n) => new KmipClient({ host: n.host, port: n.port, caPem: e.lab.kms.caPem, certPem: e.lab.kms.certPem, keyPem: e.lab.kms.keyPem, poolSize: 1 }));
  try {
    await Promise.all(clients.map((c) => c.discoverVersions())); // connections open before the clock starts
    const started = performance.now();
    const counts = await Promise.all(
      clients.map(async (c) => {
        let active = 0;
        for (const id of keyIds) {
          const [outcome] = await c.send([getAttributesItem(id)]);
          if (getAttributesOutcome(id, outcome!).ok) active += 1;
        }
        return active;
      }),
    );
    return { ms: performance.now() - started, messages: keyIds.length * clients.length, active: counts.reduce((a, b) => a + b, 0) };
  } finally {
    for (const c of clients) c.close();
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema);
  if (args.labChild) return runLabChild(JSON.parse(args.labChild) as EstateOptions);
  const loadAtStart = Math.round(loadavg()[0]! * 100) / 100;
  log('Starting PostgreSQL (lib/db/testing) …');
  const server = await startTestPostgres();
  const details: Record<string, unknown> = { cpus: cpus().length, loadAtStart };
  try {
    // ── 1 + 2: one host with 200 encrypted VMs on a 4-node provider ──
    log('lab (child process): 1 cluster × 3 hosts × 200 encrypted VMs, 4 KMS nodes …');
    const big = await startEstate(server, { hostsPerCluster: 3, vmsPerHost: 200, encryptedVmRatio: 1, multiDiskVmRatio: 0.3, vmKeyPoolSize: 100_000 });
    let p95Ms: number;
    let perKeyBaselineMs: number;
    try {
      const hostId = 'host-1';
      let t = performance.now();
      await rekeyOntoKms(big, hostId);
      log(`rekeyed every VM of ${hostId} onto lab-kms (config and disk keys apart) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      await pollOnce(big);
      const keyIds = await neededKeyIds(big, hostId);
      log(`${hostId} needs ${keyIds.length} key ids from lab-kms`);

      for (let i = 0; i < 2; i++) await timedCheck(big, hostId); // warm-up: code paths, TLS session caches
      const runs: Awaited<ReturnType<typeof timedCheck>>[] = [];
      for (let i = 0; i < args.checks; i++) runs.push(await timedCheck(big, hostId));
      const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
      p95Ms = round(percentile(sorted, 95));
      const verdicts = [...new Set(runs.map((r) => `${r.verdict}${r.blocking.length ? ` (${r.blocking.join(',')})` : ''}`))];
      log(`live check × ${args.checks}: p50 ${round(percentile(sorted, 50))} ms, p95 ${p95Ms} ms, verdicts ${verdicts.join(' / ')}`);

      t = performance.now();
      const baseline = await perKeyBaseline(big, keyIds);
      perKeyBaselineMs = round(baseline.ms);
      log(`per-key baseline: ${baseline.messages} GetAttributes messages in ${perKeyBaselineMs} ms (${baseline.active} answers Active)`);
      Object.assign(details, {
        check: { hostVms: 200, keyIds: keyIds.length, kmsNodes: big.lab.kms.nodes.length, runs: args.checks, p50Ms: round(percentile(sorted, 50)), maxMs: round(sorted.at(-1)!), verdicts },
        baseline: { messages: baseline.messages, keysActiveOnNodes: baseline.active },
      });
    } finally {
      await big.close();
    }

    // ── 3: a 64-host cluster's rolling plan ──
    log(`lab (child process): 1 cluster × ${args.planHosts} hosts × 4 VMs, 4 KMS nodes …`);
    const wide = await startEstate(server, { seed: 12, hostsPerCluster: args.planHosts, vmsPerHost: 4, encryptedVmRatio: 0.5 });
    let rollingPlanMs: number;
    try {
      await pollOnce(wide);
      const cluster = (await wide.prisma.vcCluster.findFirst({ select: { id: true } }))!;
      await planCluster({ prisma: wide.prisma, box: wide.box, sources: { freshnessLimitMs: 600_000 } }, cluster.id); // warm-up
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof planCluster>> | null = null;
      for (let i = 0; i < args.planRuns; i++) {
        const started = performance.now();
        last = await planCluster({ prisma: wide.prisma, box: wide.box, sources: { freshnessLimitMs: 600_000 } }, cluster.id);
        times.push(performance.now() - started);
      }
      const sorted = [...times].sort((a, b) => a - b);
      rollingPlanMs = round(percentile(sorted, 50));
      log(`rolling plan of ${last!.hosts.length} hosts × ${args.planRuns}: median ${rollingPlanMs} ms, max ${round(sorted.at(-1)!)} ms; ${last!.ready} ready, ${last!.blocked} blocked, next ${last!.next?.hostName ?? 'none'}`);
      details.rollingPlan = { hosts: last!.hosts.length, runs: times.map(round), ready: last!.ready, blocked: last!.blocked, fixFirst: last!.fixFirst.map((f) => f.rule) };
    } finally {
      await wide.close();
    }
    details.loadAtEnd = Math.round(loadavg()[0]! * 100) / 100;
    process.stdout.write(`${JSON.stringify({ p95Ms, rollingPlanMs, perKeyBaselineMs, details })}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench readiness: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
