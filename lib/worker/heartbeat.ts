import os from 'node:os';
import type { PrismaClient } from '../db/client';

export interface Heartbeat {
  workerId: string;
  stop(): Promise<void>;
}

/**
 * Records that this worker is alive, every `intervalMs`. A failed beat is logged and retried at
 * the next tick: a database blip must not kill the worker, and /api/health will show it as
 * stale until beats succeed again.
 */
export async function startHeartbeat(
  prisma: PrismaClient,
  options: { workerId: string; intervalMs: number; version: string },
): Promise<Heartbeat> {
  const { workerId, intervalMs, version } = options;
  await prisma.workerHeartbeat.upsert({
    where: { id: workerId },
    create: { id: workerId, hostname: os.hostname(), pid: process.pid, version },
    update: { hostname: os.hostname(), pid: process.pid, version, startedAt: new Date(), beatAt: new Date(), stoppedAt: null },
  });
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = prisma.workerHeartbeat
      .update({ where: { id: workerId }, data: { beatAt: new Date() } })
      .catch((error: unknown) => console.error(`[worker] heartbeat failed: ${error instanceof Error ? error.message : error}`));
  }, intervalMs);
  return {
    workerId,
    async stop() {
      clearInterval(timer);
      await inFlight;
      await prisma.workerHeartbeat.update({ where: { id: workerId }, data: { stoppedAt: new Date() } });
    },
  };
}
