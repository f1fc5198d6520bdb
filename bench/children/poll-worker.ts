/**
 * The worker process of `npm run bench -- poll`. Bundled with the other bench bundles by
 * scripts/launch.mjs (dist/bench-poll-worker.mjs) and run with the worker's own Node flags
 * (scripts/start/node-flags.ts), so that its RSS is what `npm start`'s worker would use: under tsx
 * every process also carries the TypeScript compiler (100+ MB).
 *
 *   --mode cycles: the first cycle of each target, then a cycle with no change (clock moved on);
 *   --mode first:  the first cycle of each due target;
 *   --mode run:    the real scheduler at default intervals until stdin closes.
 * Prints `RESULT {json}` (with peak RSS and heap) on stdout.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { z } from 'zod';
import { parseEnv } from '../../lib/config/env';
import { createPrismaClient } from '../../lib/db/client';
import { createLogger } from '../../lib/logging/logger';
import { RowCache } from '../../lib/poller/cycle';
import { pollDue } from '../../lib/poller/due-targets';
import { masterKeyFromBytes } from '../../lib/secrets/envelope';
import { SecretBox } from '../../lib/secrets/keyring';
import { startWorkerJobs } from '../../lib/worker/scheduler';
import { parseBenchArgs } from '../support/args';

const ArgsSchema = z.object({ mode: z.enum(['cycles', 'first', 'run']), db: z.string().min(1) }).strict();

/** Peak RSS of this process so far (VmHWM), in MB. */
function peakRssMB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Largest V8 heap in use seen (sampled every 100 ms): how close the cycle comes to the heap limit. */
function heapSampler(): { peakHeapMB: () => number; stop: () => void } {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, v8.getHeapStatistics().used_heap_size));
  const timer = setInterval(sample, 100);
  timer.unref();
  return { peakHeapMB: () => Math.round(Math.max(peak, sample()) / 1048576), stop: () => clearInterval(timer) };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema);
  const heap = heapSampler();
  const key = masterKeyFromBytes(Buffer.from(process.env.KEYWATCH_MASTER_KEY!, 'base64'));
  const prisma = createPrismaClient(args.db, 10);
  const settings = { vcenterIntervalMs: 30_000, kmsIntervalMs: 10_000, vcenterTimeoutMs: 600_000, kmsTimeoutMs: 60_000, staleAfterMs: 180_000 };
  let offset = 0;
  const deps = {
    prisma,
    box: new SecretBox({ current: key, all: [key], source: 'env' }),
    workerId: `bench-worker-${process.pid}`,
    now: () => new Date(Date.now() + offset),
    logger: createLogger('bench-worker', { level: 'warn', destination: process.stderr as never }),
    settings,
    cache: new RowCache(),
    transactionTimeoutMs: 600_000,
  };
  const memory = () => ({ peakRssMB: peakRssMB(), peakHeapMB: heap.peakHeapMB(), heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576) });
  const result = (r: unknown) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
  // CPU seconds beside wall seconds: on a shared machine the wall time says as much about the others.
  const timed = async <T>(job: () => Promise<T>) => {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const value = await job();
    const used = process.cpuUsage(cpu);
    return { value, seconds: (performance.now() - t) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  };
  if (args.mode === 'first' || args.mode === 'cycles') {
    const vc = await timed(() => pollDue(deps, 'vcenter', 4));
    offset += 10_000;
    const kms = await timed(() => pollDue(deps, 'kms', 4));
    const firstOf = (r: { value: { outcome: string; rowsWritten: number; requests: number; error: string | null }[] }) => r.value[0] ?? null;
    const out: Record<string, unknown> = { vcenterSeconds: vc.seconds, vcenterCpuSeconds: vc.cpuSeconds, kmsSeconds: kms.seconds, kmsCpuSeconds: kms.cpuSeconds, vcenter: firstOf(vc), kms: firstOf(kms) };
    if (args.mode === 'cycles') {
      offset += 30_000;
      const quietVc = await timed(() => pollDue(deps, 'vcenter', 4));
      const quietKms = await timed(() => pollDue(deps, 'kms', 4));
      Object.assign(out, { quietVcenterSeconds: quietVc.seconds, quietVcenterCpuSeconds: quietVc.cpuSeconds, quietKmsSeconds: quietKms.seconds, quietVcenter: firstOf(quietVc), quietKms: firstOf(quietKms) });
    }
    result({ ...out, ...memory() });
  } else {
    const jobs = startWorkerJobs(prisma, deps.logger, { env: parseEnv({ DATABASE_URL: args.db, KEYWATCH_POLL_VCENTER_TIMEOUT_S: '600' }), box: deps.box, workerId: deps.workerId });
    process.stdout.write('RUNNING\n');
    await new Promise<void>((resolve) => {
      process.stdin.on('end', resolve);
      process.stdin.resume();
    });
    await jobs.stop();
    result(memory());
  }
  heap.stop();
  await prisma.$disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
