import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../db/client';
import { createTestDatabase, type TestDatabase } from '../db/testing/test-database';
import { startHeartbeat } from '../worker/heartbeat';
import { readHealth } from './status';

describe('readHealth', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = createPrismaClient(db.url, 2);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('reports no worker before any heartbeat', async () => {
    const report = await readHealth(prisma, { staleMs: 10_000 });
    expect(report.database.status).toBe('ok');
    expect(report.worker.status).toBe('absent');
    expect(report.status).toBe('degraded');
  });

  it('sees a beating worker as alive, then stale once it stops', async () => {
    const beat = await startHeartbeat(prisma, { workerId: 'w1', intervalMs: 200, version: 'test' });
    const before = await prisma.workerHeartbeat.findUniqueOrThrow({ where: { id: 'w1' } });
    await new Promise((r) => setTimeout(r, 500));
    const after = await prisma.workerHeartbeat.findUniqueOrThrow({ where: { id: 'w1' } });
    expect(after.beatAt.getTime()).toBeGreaterThan(before.beatAt.getTime());
    const alive = await readHealth(prisma, { staleMs: 10_000 });
    expect(alive).toMatchObject({ status: 'ok', worker: { status: 'alive', alive: 1 } });
    await beat.stop();
    const stopped = await readHealth(prisma, { staleMs: 10_000 });
    expect(stopped.worker.status).toBe('stale');
    const later = await readHealth(prisma, { staleMs: 10_000, now: new Date(Date.now() + 60_000) });
    expect(later.worker.status).toBe('stale');
  });

  it('reports a database it cannot reach instead of throwing', async () => {
    const broken = createPrismaClient('postgresql://nobody@127.0.0.1:1/none', 1);
    const report = await readHealth(broken, { staleMs: 10_000 });
    expect(report.database.status).toBe('error');
    expect(report.status).toBe('degraded');
    await broken.$disconnect();
  });
});
