import type { PrismaClient } from '../db/client';
import type { ChildState, ProcessState } from '../runtime/process-state';

export interface HealthReport {
  /** ok: the database answers, a worker is alive and no process is restarting. */
  status: 'ok' | 'degraded';
  database: { status: 'ok' | 'error'; latencyMs?: number; error?: string };
  worker: { status: 'alive' | 'stale' | 'absent' | 'unknown'; lastBeatAt?: string; alive: number };
  /** Names of npm start's processes that are down and being restarted (db, lab, worker, web). */
  restarting: string[];
  /** npm start's processes as its supervisor last recorded them; absent when no supervisor runs on this data dir. */
  processes?: ChildState[];
}

/**
 * What /api/health reports: can we query the database, has a worker beaten recently, and (under
 * npm start) is any process restarting — what a page needs to show a banner instead of errors.
 */
export async function readHealth(
  prisma: PrismaClient,
  options: { staleMs: number; now?: Date; processes?: ProcessState | null },
): Promise<HealthReport> {
  const now = options.now ?? new Date();
  const processes = options.processes?.children;
  const restarting = (processes ?? []).filter((p) => p.state === 'restarting').map((p) => p.name);
  const supervised = processes ? { processes } : {};
  const started = performance.now();
  try {
    await prisma.$queryRaw`SELECT 1`;
  } catch (error) {
    return {
      status: 'degraded',
      database: { status: 'error', error: error instanceof Error ? (error.message.trim().split('\n').at(-1) ?? 'unreachable') : 'unreachable' },
      worker: { status: 'unknown', alive: 0 },
      restarting,
      ...supervised,
    };
  }
  const latencyMs = Math.round(performance.now() - started);
  const since = new Date(now.getTime() - options.staleMs);
  const [alive, latest] = await Promise.all([
    prisma.workerHeartbeat.count({ where: { beatAt: { gte: since }, stoppedAt: null } }),
    prisma.workerHeartbeat.findFirst({ orderBy: { beatAt: 'desc' } }),
  ]);
  const worker: HealthReport['worker'] = {
    status: alive > 0 ? 'alive' : latest ? 'stale' : 'absent',
    alive,
    ...(latest ? { lastBeatAt: latest.beatAt.toISOString() } : {}),
  };
  return {
    status: worker.status === 'alive' && restarting.length === 0 ? 'ok' : 'degraded',
    database: { status: 'ok', latencyMs },
    worker,
    restarting,
    ...supervised,
  };
}
