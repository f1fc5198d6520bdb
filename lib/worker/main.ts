import os from 'node:os';
import { parseEnv } from '../config/env';
import { createPrismaClient } from '../db/client';
import { stopOnSignals } from '../runtime/shutdown';
import { startHeartbeat } from './heartbeat';
import { createLogger } from '../logging/logger';
import { startWorkerJobs } from './scheduler';

// The worker process: heartbeats, and runs the jobs of lib/worker/scheduler.ts (polling, alerts, webhooks, retention).
async function main() {
  const env = parseEnv();
  if (!env.DATABASE_URL) throw new Error('The worker needs DATABASE_URL; start it through `npm start`.');
  const prisma = createPrismaClient(env.DATABASE_URL, 10);
  const workerId = `${os.hostname()}:${process.pid}`;
  const heartbeat = await startHeartbeat(prisma, {
    workerId,
    intervalMs: env.KEYWATCH_WORKER_HEARTBEAT_MS,
    version: process.env.npm_package_version ?? '0.1.0',
  });
  console.log(`${workerId} running`);
  const jobs = startWorkerJobs(prisma, createLogger('worker'), { env, workerId });
  stopOnSignals('worker', async () => {
    await jobs.stop();
    await heartbeat.stop().catch(() => undefined);
    await prisma.$disconnect();
  });
}

main().catch((error: unknown) => {
  console.error(`${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
