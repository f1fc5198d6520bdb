import os from 'node:os';
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import { retryWithBackoff } from '../runtime/backoff';
import { isProcessAlive } from '../runtime/process-table';

export interface Heartbeat {
  workerId: string;
  stop(): Promise<void>;
}

/**
 * Records that this worker is alive, every `intervalMs`, in its own WorkerHeartbeat row; /api/health
 * counts rows beaten recently. Only live workers have a row: a clean stop deletes it, and a worker
 * that starts deletes the rows of dead workers on its host (a worker killed with SIGKILL cannot
 * clean up after itself; comparing pids is only meaningful on the same host, so other hosts' rows
 * are left to go stale). A failed beat is logged and the next tick tries again — a database restart
 * must not kill the worker; the first beat waits for the database with back-off.
 */
export async function startHeartbeat(
  prisma: PrismaClient,
  options: { workerId: string; intervalMs: number; version: string; log?: Logger },
): Promise<Heartbeat> {
  const { workerId, intervalMs, version, log } = options;
  const hostname = os.hostname();
  const beat = () =>
    prisma.workerHeartbeat.upsert({
      where: { id: workerId },
      create: { id: workerId, hostname, pid: process.pid, version },
      update: { beatAt: new Date(), stoppedAt: null },
    });
  await retryWithBackoff(
    async () => {
      await prisma.workerHeartbeat.upsert({
        where: { id: workerId },
        create: { id: workerId, hostname, pid: process.pid, version },
        update: { hostname, pid: process.pid, version, startedAt: new Date(), beatAt: new Date(), stoppedAt: null },
      });
      const others = await prisma.workerHeartbeat.findMany({ where: { hostname, NOT: { id: workerId } }, select: { id: true, pid: true } });
      const dead = others.filter((row) => row.pid !== process.pid && !isProcessAlive(row.pid)).map((row) => row.id);
      if (dead.length > 0) await prisma.workerHeartbeat.deleteMany({ where: { id: { in: dead } } });
    },
    {
      firstDelayMs: 250,
      maxDelayMs: Math.max(intervalMs, 1_000),
      onFailure: (error, attempt, nextDelayMs) =>
        log?.warn({ attempt, retryInMs: nextDelayMs, reason: reasonOf(error) }, 'cannot record the first heartbeat yet'),
    },
  );

  let failing = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = beat().then(
      () => {
        if (failing) log?.info('heartbeat recorded again');
        failing = false;
      },
      (error: unknown) => {
        // Once per outage: every tick is a retry, and the log should not fill up while the database restarts.
        if (!failing) log?.warn({ reason: reasonOf(error), retryEveryMs: intervalMs }, 'heartbeat failed');
        failing = true;
      },
    );
  }, intervalMs);
  return {
    workerId,
    async stop() {
      clearInterval(timer);
      await inFlight;
      await prisma.workerHeartbeat.deleteMany({ where: { id: workerId } });
    },
  };
}

/** Prisma puts the driver's reason on the last line of a long message. */
function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().split('\n').at(-1) ?? 'unknown error';
}
