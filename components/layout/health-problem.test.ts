import { describe, expect, it } from 'vitest';
import { healthProblem } from './health-problem';

const now = new Date('2026-01-01T12:00:00Z');
const healthy = { status: 'ok', database: { status: 'ok', latencyMs: 2 }, worker: { status: 'alive', alive: 1, lastBeatAt: '2026-01-01T11:59:58Z' } };

describe('healthProblem', () => {
  it('is silent when the status is ok and the worker alive, whatever other fields arrive', () => {
    expect(healthProblem(healthy, { now })).toBeNull();
    expect(healthProblem({ ...healthy, restarting: [], processes: [{ name: 'web', state: 'running' }], future: { x: 1 } }, { now })).toBeNull();
  });

  it('says the database is unreachable, with its error, when down or the database fails', () => {
    const down = healthProblem({ status: 'down', database: { status: 'error', error: 'connection refused' }, worker: { status: 'unknown' } }, { now });
    expect(down).toEqual({ tone: 'bad', title: 'Keywatch cannot reach its database', detail: 'Nothing new is recorded or shown until it is back: connection refused.' });
    expect(healthProblem({ status: 'degraded', database: { status: 'error' }, worker: { status: 'unknown' } }, { now })?.tone).toBe('bad');
  });

  it('names the processes that are restarting', () => {
    expect(healthProblem({ ...healthy, status: 'degraded', restarting: ['worker', 'lab'] }, { now })?.title).toBe('Restarting: worker, lab');
  });

  it('says the data is stale when the worker stopped beating, and since when', () => {
    const stale = healthProblem({ status: 'degraded', database: { status: 'ok' }, worker: { status: 'stale', lastBeatAt: '2026-01-01T11:55:00Z' } }, { now });
    expect(stale?.title).toMatch(/stale/);
    expect(stale?.detail).toContain('last heard 5 min ago');
    expect(healthProblem({ status: 'degraded', database: { status: 'ok' }, worker: { status: 'absent' } }, { now })?.title).toBe('No worker has started');
  });

  it('fails closed on answers it cannot read or an unknown status', () => {
    expect(healthProblem(null, { now })?.tone).toBe('bad');
    expect(healthProblem('<html>', { now })?.title).toBe('Keywatch health is unreadable');
    expect(healthProblem({ ...healthy, worker: { status: 'zombie' } }, { now })?.title).toBe('The worker state is unknown');
    expect(healthProblem({ ...healthy, status: 'maintenance' }, { now })?.title).toBe('Keywatch is maintenance');
    expect(healthProblem(healthy, { now, unreachable: true })?.title).toBe('Keywatch does not answer');
  });
});
