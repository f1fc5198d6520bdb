import type { PrismaClient } from '../db/client';

export interface HealthReport {
  status: 'ok' | 'degraded';
  database: { status: 'ok' | 'error'; latencyMs?: number; error?: string };
  worker: { status: 'alive' | 'stale' | 'absent' | 'unknown'; lastBeatAt?: string; alive: number };
}

/** What /api/health reports: can we query the database, and has a worker beaten recently? */
export async function readHealth(
  prisma: PrismaClient,
  options: { staleMs: number; now?: Date },
): Promise<HealthReport> {
  const now = options.now ?? new Date();
  const started = performance.now();
  try {
    await prisma.$queryRaw`SELECT 1`;
  } catch (error) {
    return {
      status: 'degraded',
      database: { status: 'error', error: error instanceof Error ? error.message.split('\n')[0] : 'unreachable' },
      worker: { status: 'unknown', alive: 0 },
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
    status: worker.status === 'alive' ? 'ok' : 'degraded',
    database: { status: 'ok', latencyMs },
    worker,
  };
}
