import { describe, expect, it } from 'vitest';
import { etaWindowStart, summarizeProgress, utcHour, type ProgressCounts } from './progress';

const now = new Date('2026-12-10T12:00:00.000Z');

describe('summarizeProgress', () => {
  const counts = (patch: Partial<ProgressCounts> = {}): ProgressCounts => ({
    total: 100,
    byState: { verified: 30, pending: 60, failed: 8, 'in-progress': 2 },
    failuresByClass: { HA_RESET: 5, POWERED_ON_UNSUPPORTED: 3 },
    verifiedPerHour: [
      { hour: '2026-12-08T10', count: 10 },
      { hour: '2026-12-10T09', count: 15 },
      { hour: '2026-12-09T23', count: 5 },
    ],
    vms: { total: 60, verified: 18, failed: 5 },
    ...patch,
  });
  const times = { createdAt: new Date('2026-12-07T09:00:00Z'), startedAt: new Date('2026-12-08T00:00:00Z'), finishedAt: null };

  it('% verified, items per day, burndown from the start to today, failures by class', () => {
    const p = summarizeProgress(counts(), times, now);
    expect(p.percentVerified).toBe(30);
    expect(p.remaining).toBe(70);
    expect(p.byState).toEqual({ pending: 60, 'in-progress': 2, rekeyed: 0, verified: 30, failed: 8 });
    expect(p.failuresByClass).toEqual({ KEY_INCORRECT: 0, PROVIDER_NOT_FOUND: 0, POWERED_ON_UNSUPPORTED: 3, HA_RESET: 5, TIMEOUT: 0, OTHER: 0 });
    expect(p.itemsPerDay).toEqual([
      { day: '2026-12-08', verified: 10 },
      { day: '2026-12-09', verified: 5 },
      { day: '2026-12-10', verified: 15 },
    ]);
    expect(p.burndown).toEqual([
      { day: '2026-12-08', remaining: 90 },
      { day: '2026-12-09', remaining: 85 },
      { day: '2026-12-10', remaining: 70 },
    ]);
  });

  it('ETA from the observed rate: 30 items in 2.5 days = 12/day, 70 left → 5.83 days', () => {
    const p = summarizeProgress(counts(), times, now);
    expect(p.ratePerDay).toBe(12);
    expect(Date.parse(p.eta!)).toBeCloseTo(now.getTime() + (70 / 12) * 86_400_000, -3);
  });

  it('the rate window is the last 7 days at most, on an hour boundary', () => {
    const long = { ...times, startedAt: new Date('2026-11-01T00:00:00Z') };
    expect(etaWindowStart(long.startedAt, now)).toEqual(new Date('2026-12-03T12:00:00.000Z'));
    expect(etaWindowStart(new Date('2026-12-10T09:41:00Z'), now)).toEqual(new Date('2026-12-10T09:00:00.000Z'));
    const p = summarizeProgress(
      counts({
        verifiedPerHour: [
          { hour: '2026-12-01T05', count: 100 },
          { hour: '2026-12-03T11', count: 50 },
          { hour: '2026-12-03T12', count: 4 },
          { hour: '2026-12-09T00', count: 10 },
        ],
      }),
      long,
      now,
    );
    expect(p.ratePerDay).toBe(2);
  });

  it('no rate yet: no ETA; not started: no window; all verified: ETA is the finish', () => {
    expect(summarizeProgress(counts({ verifiedPerHour: [] }), times, now).eta).toBeNull();
    expect(summarizeProgress(counts(), { ...times, startedAt: null }, now).ratePerDay).toBeNull();
    const finishedAt = new Date('2026-12-09T18:00:00Z');
    const done = summarizeProgress(counts({ byState: { verified: 100 }, failuresByClass: {} }), { ...times, finishedAt }, now);
    expect(done.percentVerified).toBe(100);
    expect(done.eta).toBe(finishedAt.toISOString());
    expect(done.burndown.at(-1)!.day).toBe('2026-12-09');
  });

  it('items verified before the start (already on the target) start the burndown on their day', () => {
    const p = summarizeProgress(counts({ verifiedPerHour: [{ hour: '2026-12-05T08', count: 4 }] }), times, now);
    expect(p.burndown[0]).toEqual({ day: '2026-12-05', remaining: 96 });
    expect(p.burndown).toHaveLength(6);
  });

  it('an empty campaign is 0 %, not NaN', () => {
    expect(summarizeProgress(counts({ total: 0, byState: {}, verifiedPerHour: [] }), times, now).percentVerified).toBe(0);
  });
});

describe('utcHour', () => {
  it('is the UTC hour of an instant, to the last millisecond', () => {
    expect(utcHour(new Date('2026-12-10T09:59:59.999Z'))).toBe('2026-12-10T09');
    expect(utcHour(new Date('2026-12-10T10:00:00.000+01:00'))).toBe('2026-12-10T09');
  });
});
