import { describe, expect, it } from 'vitest';
import { backoffCapMs, nextDueAt } from './backoff';

const start = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(start.getTime() + ms);

describe('next poll time', () => {
  it('after a success: one interval after the cycle started', () => {
    expect(nextDueAt('vcenter', start, at(4000), 30_000, 0)).toEqual(at(30_000));
  });

  it('after failures: doubling from the end of the cycle, with jitter, never sooner than the schedule, capped', () => {
    expect(nextDueAt('vcenter', start, at(1000), 30_000, 1, () => 0)).toEqual(at(30_000));
    expect(nextDueAt('vcenter', start, at(1000), 30_000, 2, () => 0.5)).toEqual(at(61_000));
    expect(nextDueAt('vcenter', start, at(1000), 30_000, 3, () => 1)).toEqual(at(1000 + 144_000));
    expect(nextDueAt('vcenter', start, at(1000), 30_000, 20, () => 0.5)).toEqual(at(1000 + 300_000));
    // A dead KMS keeps being probed every few intervals, so its recovery is seen soon.
    expect(backoffCapMs('kms', 10_000)).toBe(30_000);
    expect(nextDueAt('kms', start, at(500), 10_000, 20, () => 0.5)).toEqual(at(500 + 30_000));
  });
});
