import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../db/testing/use-test-database';
import { insertSamples, readSeries, rollUpAndPrune } from './series';

const NOW = new Date('2026-05-10T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MIN = 60_000;

describe('time series: roll-ups and retention on PostgreSQL', () => {
  const { db } = useTestDatabase();

  it('rolls recent samples into five-minute buckets (idempotently), drops raw past 48 h and roll-ups past 30 days', async () => {
    const { prisma } = db();
    const s = 'kms-node:t|10.0.0.1:5696';
    // Two buckets in the last hour: 11:45–11:50 (values 2, 4, 9) and 11:50–11:55 (value 1).
    await insertSamples(prisma, [
      { series: s, metric: 'latencyMs', at: new Date('2026-05-10T11:46:00.000Z'), value: 2 },
      { series: s, metric: 'latencyMs', at: new Date('2026-05-10T11:47:30.000Z'), value: 4 },
      { series: s, metric: 'latencyMs', at: new Date('2026-05-10T11:49:59.000Z'), value: 9 },
      { series: s, metric: 'latencyMs', at: new Date('2026-05-10T11:52:00.000Z'), value: 1 },
      { series: s, metric: 'latencyMs', at: ago(49 * 60 * MIN), value: 5 },
    ]);
    await prisma.seriesRollup.create({ data: { series: s, metric: 'latencyMs', bucketStart: ago(31 * 24 * 60 * MIN), count: 1, sum: 1, min: 1, max: 1 } });
    await prisma.seriesRollup.create({ data: { series: s, metric: 'latencyMs', bucketStart: ago(3 * 24 * 60 * MIN), count: 2, sum: 10, min: 4, max: 6 } });

    const first = await rollUpAndPrune(prisma, NOW, { rawHours: 48, rollupDays: 30 });
    expect(first).toMatchObject({ rollups: 2, samplesDeleted: 1, rollupsDeleted: 1 });
    await rollUpAndPrune(prisma, NOW, { rawHours: 48, rollupDays: 30 });
    const rollups = await prisma.seriesRollup.findMany({ where: { bucketStart: { gte: ago(60 * MIN) } }, orderBy: { bucketStart: 'asc' } });
    expect(rollups.map((r) => [r.bucketStart.toISOString(), r.count, r.sum, r.min, r.max])).toEqual([
      ['2026-05-10T11:45:00.000Z', 3, 15, 2, 9],
      ['2026-05-10T11:50:00.000Z', 1, 1, 1, 1],
    ]);
    expect(await prisma.seriesSample.count()).toBe(4);
    expect(await prisma.seriesRollup.count()).toBe(3);

    const raw = await readSeries(prisma, { series: [s], metric: 'latencyMs', from: ago(60 * MIN), to: NOW, resolution: 'raw', rawKeptSince: ago(48 * 60 * MIN) });
    expect(raw.get(s)!.map((p) => p.value)).toEqual([2, 4, 9, 1]);
    const buckets = await readSeries(prisma, { series: [s], metric: 'latencyMs', from: ago(60 * MIN), to: NOW, resolution: '5m', rawKeptSince: ago(48 * 60 * MIN) });
    expect(buckets.get(s)!.map((p) => [p.t, p.value, p.max])).toEqual([
      ['2026-05-10T11:45:00.000Z', 5, 9],
      ['2026-05-10T11:50:00.000Z', 1, 1],
    ]);
    // Older than the raw window: read from roll-ups.
    const week = await readSeries(prisma, { series: [s], metric: 'latencyMs', from: ago(7 * 24 * 60 * MIN), to: NOW, resolution: '5m', rawKeptSince: ago(48 * 60 * MIN) });
    expect(week.get(s)!.map((p) => p.value)).toEqual([5, 5, 1]);
  });
});
