/**
 * Benchmark: full read of a large lab estate (default 2,500 hosts / 40,000 VMs) with
 * VsphereClient.readEstate(), against a naive client that asks for one property of one object
 * per request, in the same run.
 *
 * The lab vCenter runs in a child process so the RSS measured here is the client's alone. The
 * naive client is run on a sample of hosts (and their VMs) and extrapolated to the whole estate,
 * because a full naive run would take many minutes; the output says so.
 *
 *   npx tsx bench/vsphere-read.ts [--hosts 2500] [--vms-per-host 16] [--naive-sample-hosts 25] [--concurrency 16]
 *
 * Last stdout line: JSON with seconds, rssMB, requestsPerHost, naiveSeconds and details.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { VsphereClient } from '../lib/vsphere/client';
import { mapLimited } from '../lib/vsphere/concurrency-limit';
import { parseBenchArgs } from './support/args';

const ArgsSchema = z.object({
  hosts: z.coerce.number().int().min(1).default(2500),
  vmsPerHost: z.coerce.number().int().min(0).max(200).default(16),
  hostsPerCluster: z.coerce.number().int().min(1).max(64).default(20),
  naiveSampleHosts: z.coerce.number().int().min(1).default(25),
  concurrency: z.coerce.number().int().min(1).max(256).default(16),
  labChild: z.boolean().default(false),
});
type Args = z.output<typeof ArgsSchema>;

const LabInfoSchema = z.object({ url: z.string(), caPem: z.string(), username: z.string(), password: z.string() });
type LabInfo = z.infer<typeof LabInfoSchema>;

/** Child mode: start the lab vCenter at the requested size and print its coordinates. */
async function runLabChild(args: Args): Promise<void> {
  const { startLabVcenter } = await import('../lab/vcenter/server');
  const clusters = Math.ceil(args.hosts / args.hostsPerCluster);
  const lab = await startLabVcenter({
    estate: { clusters, hostsPerCluster: args.hostsPerCluster, vmsPerHost: args.vmsPerHost, seed: 7 },
  });
  process.stdout.write(`LAB_READY ${JSON.stringify({ url: lab.url, caPem: lab.caPem, username: lab.username, password: lab.password })}\n`);
  const stop = () => {
    void lab.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

async function startLabChild(args: Args): Promise<{ child: ChildProcess; info: LabInfo }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', self, '--lab-child', '--hosts', String(args.hosts), '--vms-per-host', String(args.vmsPerHost), '--hosts-per-cluster', String(args.hostsPerCluster)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<LabInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The lab vCenter did not start within 180 s.')), 180_000);
    child.once('exit', (code) => reject(new Error(`The lab vCenter exited early with code ${code}.`)));
    lines.on('line', (line) => {
      if (!line.startsWith('LAB_READY ')) {
        process.stderr.write(`[lab] ${line}\n`);
        return;
      }
      clearTimeout(timer);
      resolve(LabInfoSchema.parse(JSON.parse(line.slice('LAB_READY '.length))));
    });
  });
  return { child, info };
}

/** CPU seconds used so far by process `pid` (Linux /proc; null elsewhere). Assumes USER_HZ = 100. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Peak RSS of this process while `job` runs, sampled every 50 ms. */
async function withPeakRss<T>(job: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const result = await job();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

const HOST_PATHS = ['name', 'parent', 'runtime.connectionState', 'runtime.powerState', 'runtime.inMaintenanceMode', 'runtime.cryptoState'] as const;
const VM_PATHS = ['name', 'runtime.host', 'runtime.powerState', 'runtime.cryptoState', 'config.keyId', 'config.hardware.device', 'datastore'] as const;

/**
 * The naive client: every property of every object is its own RetrievePropertiesEx call (one
 * object, one path), plus the per-host calls that have no batched form anyway.
 */
async function naiveRead(client: VsphereClient, hostIds: string[], vmIds: string[], concurrency: number): Promise<void> {
  const jobs: (() => Promise<unknown>)[] = [];
  for (const id of hostIds) {
    for (const path of HOST_PATHS) jobs.push(() => client.collector.collectObjects('HostSystem', [id], [path]));
    jobs.push(() => client.listHostKeyProviders(id));
    jobs.push(() => client.diskGroups(id));
  }
  for (const id of vmIds) {
    for (const path of VM_PATHS) jobs.push(() => client.collector.collectObjects('VirtualMachine', [id], [path]));
  }
  await mapLimited(jobs, concurrency, (job) => job());
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema.strict());
  if (args.labChild) return runLabChild(args);

  const log = (msg: string) => process.stderr.write(`[vsphere-read] ${msg}\n`);
  log(`starting lab vCenter: ${args.hosts} hosts × ${args.vmsPerHost} VMs (child process)`);
  const labStart = Date.now();
  const { child, info } = await startLabChild(args);
  log(`lab ready in ${((Date.now() - labStart) / 1000).toFixed(1)} s at ${info.url}`);
  const rssBefore = process.memoryUsage.rss();
  const client = new VsphereClient({
    baseUrl: info.url,
    username: info.username,
    password: info.password,
    caPem: info.caPem,
    maxConcurrency: args.concurrency,
    timeoutMs: 120_000,
  });
  try {
    await client.connect();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const labCpuBefore = processCpuSeconds(child.pid);
    const { result: estate, peakRss } = await withPeakRss(() => client.readEstate());
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const labCpuAfter = processCpuSeconds(child.pid);
    const labCpuSeconds = labCpuBefore !== null && labCpuAfter !== null ? labCpuAfter - labCpuBefore : null;
    const hostCount = estate.hosts.length;
    const requestsPerHost = estate.requests / hostCount;
    const diskGroups = estate.hosts.reduce((n, h) => n + (h.diskGroups?.length ?? 0), 0);
    log(
      `readEstate: ${hostCount} hosts, ${estate.vms.length} VMs, ${diskGroups} disk groups in ${seconds.toFixed(2)} s, ${estate.requests} requests, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`,
    );

    // Naive client on a sample of hosts and their VMs, extrapolated by host count.
    const sampleHosts = estate.hosts.filter((h) => h.connectionState === 'connected').slice(0, args.naiveSampleHosts);
    const sampleIds = new Set(sampleHosts.map((h) => h.id));
    const sampleVms = estate.vms.filter((v) => v.hostId && sampleIds.has(v.hostId)).map((v) => v.id);
    const requestsBeforeNaive = client.requestCount;
    const naiveStarted = performance.now();
    await naiveRead(client, [...sampleIds], sampleVms, args.concurrency);
    const naiveSampleSeconds = (performance.now() - naiveStarted) / 1000;
    const naiveRequests = client.requestCount - requestsBeforeNaive;
    const naiveSeconds = naiveSampleSeconds * (hostCount / sampleIds.size);
    log(
      `naive: ${sampleIds.size} hosts + ${sampleVms.length} VMs in ${naiveSampleSeconds.toFixed(2)} s (${naiveRequests} requests) → extrapolated ${naiveSeconds.toFixed(1)} s for ${hostCount} hosts`,
    );

    const figures = {
      seconds: Number(seconds.toFixed(3)),
      rssMB: Math.round(peakRss / 2 ** 20),
      rssBeforeMB: Math.round(rssBefore / 2 ** 20),
      requestsPerHost: Number(requestsPerHost.toFixed(3)),
      requests: estate.requests,
      hosts: hostCount,
      vms: estate.vms.length,
      diskGroups,
      concurrency: args.concurrency,
      clientCpuSeconds: Number(clientCpuSeconds.toFixed(2)),
      labCpuSeconds: labCpuSeconds === null ? null : Number(labCpuSeconds.toFixed(2)),
      phasesMs: estate.phasesMs,
      naiveSeconds: Number(naiveSeconds.toFixed(3)),
      naiveExtrapolated: true,
      naiveSampleHosts: sampleIds.size,
      naiveSampleVms: sampleVms.length,
      naiveSampleSeconds: Number(naiveSampleSeconds.toFixed(3)),
      naiveRequestsPerHost: Number((naiveRequests / sampleIds.size).toFixed(1)),
      speedup: Number((naiveSeconds / seconds).toFixed(1)),
      /** Machine context: other processes compete for the same cores. */
      cores: cpus().length,
      loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      targetSeconds: 20,
      targetRssMB: 400,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await client.close().catch(() => undefined);
    child.stdin?.end();
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`vsphere-read failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
