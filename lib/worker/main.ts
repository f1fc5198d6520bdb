import os from 'node:os';
import { parseEnv } from '../config/env';
import { createPrismaClient } from '../db/client';
import { stopOnSignals } from '../runtime/shutdown';
import { startHeartbeat } from './heartbeat';

// The worker process: polls targets and raises alerts (later issues); today it proves it is alive.
async function main() {
  const env = parseEnv();
  if (!env.DATABASE_URL) throw new Error('The worker needs DATABASE_URL; start it through `npm start`.');
  const prisma = createPrismaClient(env.DATABASE_URL, 4);
  const workerId = `${os.hostname()}:${process.pid}`;
  const heartbeat = await startHeartbeat(prisma, {
    workerId,
    intervalMs: env.KEYWATCH_WORKER_HEARTBEAT_MS,
    version: process.env.npm_package_version ?? '0.1.0',
  });
  console.log(`${workerId} running`);
  stopOnSignals('worker', async () => {
    await heartbeat.stop().catch(() => undefined);
    await prisma.$disconnect();
  });
}

main().catch((error: unknown) => {
  console.error(`${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
