import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../db/client';
import { useTestDatabase } from '../db/testing/use-test-database';
import type { ProcessState } from '../runtime/process-state';
import { startHeartbeat } from '../worker/heartbeat';
import { readHealth } from './status';

describe('readHealth', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  beforeAll(() => {
    prisma = database.db().prisma;
  });

  it('reports no worker before any heartbeat', async () => {
    const report = await readHealth(prisma, { staleMs: 10_000 });
    expect(report.database.status).toBe('ok');
    expect(report.worker.status).toBe('absent');
    expect(report.status).toBe('degraded');
  });

  it('sees a beating worker as alive, stale when it stops beating, and gone once it stops cleanly', async () => {
    const beat = await startHeartbeat(prisma, { workerId: 'w1', intervalMs: 200, version: 'test' });
    const before = await prisma.workerHeartbeat.findUniqueOrThrow({ where: { id: 'w1' } });
    await new Promise((r) => setTimeout(r, 500));
    const after = await prisma.workerHeartbeat.findUniqueOrThrow({ where: { id: 'w1' } });
    expect(after.beatAt.getTime()).toBeGreaterThan(before.beatAt.getTime());
    const alive = await readHealth(prisma, { staleMs: 10_000 });
    expect(alive).toMatchObject({ status: 'ok', worker: { status: 'alive', alive: 1 }, restarting: [] });
    const later = await readHealth(prisma, { staleMs: 10_000, now: new Date(Date.now() + 60_000) });
    expect(later.worker.status).toBe('stale');
    await beat.stop();
    const stopped = await readHealth(prisma, { staleMs: 10_000 });
    expect(stopped.worker).toEqual({ status: 'absent', alive: 0 });
  });

  it('counts only live workers: a new worker removes the rows of dead workers on its host', async () => {
    // A worker killed with SIGKILL leaves its row behind; its pid no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await prisma.workerHeartbeat.create({ data: { id: 'killed', hostname: os.hostname(), pid: Number(dead.stdout), version: 'test' } });
    await prisma.workerHeartbeat.create({ data: { id: 'elsewhere', hostname: 'another-host.test', pid: Number(dead.stdout), version: 'test' } });
    expect((await readHealth(prisma, { staleMs: 10_000 })).worker.alive).toBe(2);
    const beat = await startHeartbeat(prisma, { workerId: 'w2', intervalMs: 10_000, version: 'test' });
    const ids = (await prisma.workerHeartbeat.findMany({ select: { id: true } })).map((r) => r.id).sort();
    expect(ids).toEqual(['elsewhere', 'w2']);
    await beat.stop();
    await prisma.workerHeartbeat.deleteMany();
  });

  it('reports the processes npm start is restarting, and is degraded while one is', async () => {
    const beat = await startHeartbeat(prisma, { workerId: 'w3', intervalMs: 10_000, version: 'test' });
    const processes: ProcessState = {
      supervisorPid: process.pid,
      startedAt: new Date().toISOString(),
      children: [
        { name: 'db', state: 'running', pid: 11, restarts: 0, lastExit: null },
        { name: 'worker', state: 'restarting', pid: null, restarts: 1, lastExit: { code: null, signal: 'SIGKILL', at: new Date().toISOString() } },
      ],
    };
    const report = await readHealth(prisma, { staleMs: 10_000, processes });
    expect(report).toMatchObject({ status: 'degraded', database: { status: 'ok' }, worker: { status: 'alive' }, restarting: ['worker'] });
    expect(report.processes).toEqual(processes.children);
    const allUp = await readHealth(prisma, { staleMs: 10_000, processes: { ...processes, children: [processes.children[0]!] } });
    expect(allUp).toMatchObject({ status: 'ok', restarting: [] });
    await beat.stop();
  });

  it('reports a database it cannot reach instead of throwing', async () => {
    const broken = createPrismaClient('postgresql://nobody@127.0.0.1:1/none', 1);
    const report = await readHealth(broken, { staleMs: 10_000 });
    expect(report.database.status).toBe('error');
    expect(report.status).toBe('degraded');
    expect(report.database.error).toMatch(/\S/);
    await broken.$disconnect();
  });
});
