import os from 'node:os';
import v8 from 'node:v8';
import { EnvError, parseEnv } from '../config/env';
import { createPrismaClient } from '../db/client';
import { createLogger } from '../logging/logger';
import { announceReady, runEntryPoint, UsageError } from '../runtime/entry-point';
import { stopOnSignals } from '../runtime/shutdown';
import { startHeartbeat } from './heartbeat';
import { startWorkerJobs } from './scheduler';

// The worker process: heartbeats, and runs the jobs of lib/worker/scheduler.ts (polling, alerts, webhooks, retention).
const USAGE = `usage: npm run worker

Runs one worker against DATABASE_URL (npm start runs one for you; run more on other machines to share
the work). Prints READY <worker id> once its first heartbeat is recorded; SIGTERM stops it cleanly.`;

runEntryPoint(import.meta.url, {
  name: 'worker',
  usage: USAGE,
  plainErrors: [EnvError],
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    const env = parseEnv();
    if (!env.DATABASE_URL) throw new UsageError('DATABASE_URL is not set; the worker needs the database npm start (or your PostgreSQL) serves.');
    const log = createLogger('worker');
    const prisma = createPrismaClient(env.DATABASE_URL, 10, log);
    const workerId = `${os.hostname()}:${process.pid}`;
    const heartbeat = await startHeartbeat(prisma, {
      workerId,
      intervalMs: env.KEYWATCH_WORKER_HEARTBEAT_MS,
      version: process.env.npm_package_version ?? '0.1.0',
      log,
    });
    const jobs = startWorkerJobs(prisma, log, { env, workerId });
    // The heap limit npm start sets (scripts/start/node-flags.ts), visible in the log of the real process.
    log.info({ workerId, heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576) }, 'worker running');
    announceReady(workerId);
    stopOnSignals('worker', async (reason) => {
      log.info({ reason }, 'worker stopping');
      await jobs.stop();
      await heartbeat.stop().catch((error: unknown) => log.warn({ reason: String(error) }, 'could not remove the heartbeat'));
      await prisma.$disconnect();
    });
  },
});
