/**
 * Time series behind the charts: raw samples (KMS node up / latency, host ↔ KMS health counts)
 * kept for KEYWATCH_SAMPLES_RAW_HOURS, five-minute roll-ups kept for KEYWATCH_SAMPLES_ROLLUP_DAYS.
 * Roll-ups are recomputed from raw samples for the recent buckets, so running the job twice, or
 * on two workers at once, gives the same rows.
 */
import type { SampleRow } from './kms-store';
import { insertRows, type Db } from './table-writer';
import type { VcenterRows } from './vcenter-rows';

export const ROLLUP_SECONDS = 300;
/** Buckets recomputed on every roll-up run (late samples within this window are still counted). */
const RECOMPUTE_WINDOW_MS = 2 * 3600_000;

export async function insertSamples(db: Db, samples: readonly SampleRow[]): Promise<number> {
  return insertRows(db, 'SeriesSample', samples as unknown as Record<string, unknown>[]);
}

export const hostKmsSeries = (vcenterId: string, providerId: string): string => `host-kms:${vcenterId}|${providerId}`;
export const HOST_KMS_METRICS = ['ok', 'warning', 'error'] as const;

/** How many hosts see each provider as OK / WARNING / ERROR: one sample per provider and cycle, not per host. */
export function hostKmsSamples(vcenterId: string, rows: Pick<VcenterRows, 'hostProviderHealth' | 'hosts'>, at: Date): SampleRow[] {
  const counts = new Map<string, Record<(typeof HOST_KMS_METRICS)[number], number>>();
  for (const view of rows.hostProviderHealth.values()) {
    if (rows.hosts.get(view.hostId)?.connectionState !== 'connected') continue;
    const c = counts.get(view.providerId) ?? { ok: 0, warning: 0, error: 0 };
    if (view.health === 'OK') c.ok++;
    else if (view.health === 'WARNING') c.warning++;
    else if (view.health === 'ERROR') c.error++;
    counts.set(view.providerId, c);
  }
  const out: SampleRow[] = [];
  for (const [providerId, c] of counts) {
    for (const metric of HOST_KMS_METRICS) out.push({ series: hostKmsSeries(vcenterId, providerId), metric, at, value: c[metric] });
  }
  return out;
}

const BUCKET = `(to_timestamp(floor(extract(epoch from "at") / ${ROLLUP_SECONDS}) * ${ROLLUP_SECONDS}) AT TIME ZONE 'UTC')`;

export interface RetentionSettings {
  rawHours: number;
  rollupDays: number;
}

export interface RetentionResult {
  rollups: number;
  samplesDeleted: number;
  rollupsDeleted: number;
  pollRunsDeleted: number;
  changesDeleted: number;
  deliveriesDeleted: number;
}

/** Rolls recent raw samples up into five-minute buckets, then drops what is past retention. */
export async function rollUpAndPrune(db: Db, now: Date, settings: RetentionSettings): Promise<RetentionResult> {
  const windowStart = new Date(now.getTime() - RECOMPUTE_WINDOW_MS);
  const rollups = await db.$executeRawUnsafe(
    `INSERT INTO "SeriesRollup" ("series", "metric", "bucketStart", "count", "sum", "min", "max")
     SELECT "series", "metric", ${BUCKET}, count(*)::int, sum("value"), min("value"), max("value")
     FROM "SeriesSample" WHERE "at" >= $1 AND "at" < $2
     GROUP BY 1, 2, 3
     ON CONFLICT ("series", "metric", "bucketStart") DO UPDATE
       SET "count" = EXCLUDED."count", "sum" = EXCLUDED."sum", "min" = EXCLUDED."min", "max" = EXCLUDED."max"`,
    windowStart,
    now,
  );
  const rawCutoff = new Date(now.getTime() - settings.rawHours * 3600_000);
  const rollupCutoff = new Date(now.getTime() - settings.rollupDays * 86_400_000);
  const samplesDeleted = await db.$executeRawUnsafe(`DELETE FROM "SeriesSample" WHERE "at" < $1`, rawCutoff);
  const rollupsDeleted = await db.$executeRawUnsafe(`DELETE FROM "SeriesRollup" WHERE "bucketStart" < $1`, rollupCutoff);
  const pollRunsDeleted = await db.$executeRawUnsafe(`DELETE FROM "PollRun" WHERE "startedAt" < $1`, rawCutoff);
  const changesDeleted = await db.$executeRawUnsafe(`DELETE FROM "ObservationChange" WHERE "at" < $1`, rollupCutoff);
  const deliveriesDeleted = await db.$executeRawUnsafe(`DELETE FROM "WebhookDelivery" WHERE "status" <> 'pending' AND "createdAt" < $1`, rollupCutoff);
  return { rollups, samplesDeleted, rollupsDeleted, pollRunsDeleted, changesDeleted, deliveriesDeleted };
}

export interface SeriesPoint {
  t: string;
  /** Average over the bucket (the value itself for raw points). */
  value: number;
  min: number;
  max: number;
  count: number;
}

export type SeriesResolution = 'raw' | '5m';

/**
 * Points of `metric` for each of `series` between from and to. Raw resolution reads samples;
 * 5m aggregates raw samples while they are kept, and reads roll-ups for older ranges.
 */
export async function readSeries(
  db: Db,
  opts: { series: readonly string[]; metric: string; from: Date; to: Date; resolution: SeriesResolution; rawKeptSince: Date },
): Promise<Map<string, SeriesPoint[]>> {
  const out = new Map<string, SeriesPoint[]>(opts.series.map((s) => [s, []]));
  if (opts.series.length === 0) return out;
  type Raw = { series: string; t: Date; value: number; min: number; max: number; count: number };
  let rows: Raw[];
  if (opts.resolution === 'raw') {
    rows = await db.$queryRawUnsafe<Raw[]>(
      `SELECT "series", "at" AS t, "value", "value" AS min, "value" AS max, 1 AS count
       FROM "SeriesSample" WHERE "series" = ANY($1::text[]) AND "metric" = $2 AND "at" >= $3 AND "at" <= $4 ORDER BY "at"`,
      opts.series,
      opts.metric,
      opts.from,
      opts.to,
    );
  } else if (opts.from >= opts.rawKeptSince) {
    rows = await db.$queryRawUnsafe<Raw[]>(
      `SELECT "series", ${BUCKET} AS t, avg("value") AS value, min("value") AS min, max("value") AS max, count(*)::int AS count
       FROM "SeriesSample" WHERE "series" = ANY($1::text[]) AND "metric" = $2 AND "at" >= $3 AND "at" <= $4
       GROUP BY 1, 2 ORDER BY 2`,
      opts.series,
      opts.metric,
      opts.from,
      opts.to,
    );
  } else {
    rows = await db.$queryRawUnsafe<Raw[]>(
      `SELECT "series", "bucketStart" AS t, "sum" / NULLIF("count", 0) AS value, "min", "max", "count"
       FROM "SeriesRollup" WHERE "series" = ANY($1::text[]) AND "metric" = $2 AND "bucketStart" >= $3 AND "bucketStart" <= $4
       ORDER BY "bucketStart"`,
      opts.series,
      opts.metric,
      opts.from,
      opts.to,
    );
  }
  for (const r of rows) {
    out.get(r.series)?.push({ t: new Date(r.t).toISOString(), value: Number(r.value), min: Number(r.min), max: Number(r.max), count: Number(r.count) });
  }
  return out;
}
