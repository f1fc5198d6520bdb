/**
 * Chart series for GET /api/v1/history/{series}: KMS node up / latency per provider, and how many
 * hosts see a provider as OK / WARNING / ERROR. 1 h is raw; 24 h and 7 d are five-minute buckets, 30 d hourly.
 */
import { DomainError } from '../http/errors';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { HOST_KMS_METRICS, hostKmsSeries, readSeries, type SeriesPoint, type SeriesResolution } from './series';
import { kmsNodeSeries } from './kms-store';
import { loadNodeNames } from '../alerts/facts';

export const HISTORY_SERIES = ['kms-nodes', 'host-kms'] as const;
export type HistorySeries = (typeof HISTORY_SERIES)[number];

const RANGES = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
/** 30 days of five-minute buckets would be 8,640 points per node: that range is averaged per hour. */
const HOUR_MS = 3600_000;

export const historyQuerySchema = z.object({
  /** vCenter's provider id (as in /api/v1/key-providers). */
  provider: z.string().min(1).max(200),
  range: z.enum(['1h', '24h', '7d', '30d']).default('1h'),
  /** host-kms only: one vCenter; default all that report the provider. */
  vcenter: z.string().min(1).max(100).optional(),
  /** End of the window (ISO 8601); default now. */
  until: z.iso.datetime({ offset: true }).optional(),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export class HistoryQueryError extends DomainError<'not-found'> {
  override name = 'HistoryQueryError';
  constructor(message: string) {
    super('not-found', 404, message);
  }
}

/** Five-minute points averaged per hour (weighted by their sample counts) for the 30-day range. */
function coarsen(bySeries: Map<string, SeriesPoint[]>, range: HistoryQuery['range']): Map<string, SeriesPoint[]> {
  if (range !== '30d') return bySeries;
  const out = new Map<string, SeriesPoint[]>();
  for (const [series, points] of bySeries) {
    const hours = new Map<number, SeriesPoint & { sum: number }>();
    for (const p of points) {
      const hour = Math.floor(new Date(p.t).getTime() / HOUR_MS) * HOUR_MS;
      const h = hours.get(hour) ?? { t: new Date(hour).toISOString(), value: 0, min: p.min, max: p.max, count: 0, sum: 0 };
      h.sum += p.value * p.count;
      h.count += p.count;
      h.min = Math.min(h.min, p.min);
      h.max = Math.max(h.max, p.max);
      hours.set(hour, h);
    }
    out.set(series, [...hours.values()].map(({ sum, ...h }) => ({ ...h, value: h.count > 0 ? sum / h.count : 0 })));
  }
  return out;
}

interface Window {
  from: Date;
  to: Date;
  resolution: SeriesResolution;
  rawKeptSince: Date;
}

function windowOf(query: HistoryQuery, now: Date, rawHours: number): Window {
  const to = query.until ? new Date(query.until) : now;
  return {
    from: new Date(to.getTime() - RANGES[query.range]),
    to,
    resolution: query.range === '1h' ? 'raw' : '5m',
    rawKeptSince: new Date(now.getTime() - rawHours * 3600_000),
  };
}

export interface KmsNodeHistory {
  range: string;
  resolution: SeriesResolution;
  nodes: { endpoint: string; name: string | null; points: { t: string; up: number | null; latencyMs: number | null; latencyMaxMs: number | null }[] }[];
}

export async function kmsNodeHistory(prisma: PrismaClient, query: HistoryQuery, now: Date, rawHours: number): Promise<KmsNodeHistory> {
  const targets = await prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true } });
  const target = targets.find((t) => (t.keyProviderId ?? t.name) === query.provider);
  if (!target) throw new HistoryQueryError(`No KMS provider target is linked to key provider ${query.provider}.`);
  const [nodes, names] = await Promise.all([
    prisma.kmsNodeState.findMany({ where: { kmsProviderId: target.id }, orderBy: { endpoint: 'asc' } }),
    loadNodeNames(prisma, query.provider),
  ]);
  const w = windowOf(query, now, rawHours);
  const series = nodes.map((n) => kmsNodeSeries(target.id, n.endpoint));
  const [up, latency] = await Promise.all([
    readSeries(prisma, { ...w, series, metric: 'up' }).then((m) => coarsen(m, query.range)),
    readSeries(prisma, { ...w, series, metric: 'latencyMs' }).then((m) => coarsen(m, query.range)),
  ]);
  return {
    range: query.range,
    resolution: w.resolution,
    nodes: nodes.map((n, i) => {
      const points = new Map<string, { t: string; up: number | null; latencyMs: number | null; latencyMaxMs: number | null }>();
      for (const p of up.get(series[i]!) ?? []) points.set(p.t, { t: p.t, up: p.value, latencyMs: null, latencyMaxMs: null });
      for (const p of latency.get(series[i]!) ?? []) {
        const point = points.get(p.t) ?? { t: p.t, up: null, latencyMs: null, latencyMaxMs: null };
        point.latencyMs = Math.round(p.value * 100) / 100;
        point.latencyMaxMs = Math.round(p.max * 100) / 100;
        points.set(p.t, point);
      }
      return { endpoint: n.endpoint, name: names.get(n.endpoint) ?? null, points: [...points.values()].sort((a, b) => a.t.localeCompare(b.t)) };
    }),
  };
}

export interface HostKmsHistory {
  range: string;
  resolution: SeriesResolution;
  vcenters: { vcenterId: string; vcenterName: string; points: { t: string; ok: number | null; warning: number | null; error: number | null }[] }[];
}

export async function hostKmsHistory(prisma: PrismaClient, query: HistoryQuery, now: Date, rawHours: number): Promise<HostKmsHistory> {
  const vcenters = await prisma.vcenterTarget.findMany({ where: query.vcenter ? { id: query.vcenter } : {}, select: { id: true, name: true }, orderBy: { name: 'asc' } });
  const w = windowOf(query, now, rawHours);
  const series = vcenters.map((v) => hostKmsSeries(v.id, query.provider));
  const byMetric = await Promise.all(HOST_KMS_METRICS.map((metric) => readSeries(prisma, { ...w, series, metric }).then((m) => coarsen(m, query.range))));
  const out: HostKmsHistory['vcenters'] = [];
  vcenters.forEach((v, i) => {
    const points = new Map<string, { t: string; ok: number | null; warning: number | null; error: number | null }>();
    HOST_KMS_METRICS.forEach((metric, m) => {
      for (const p of byMetric[m]!.get(series[i]!) ?? []) {
        const point = points.get(p.t) ?? { t: p.t, ok: null, warning: null, error: null };
        point[metric] = Math.round(p.value * 100) / 100;
        points.set(p.t, point);
      }
    });
    if (points.size > 0) out.push({ vcenterId: v.id, vcenterName: v.name, points: [...points.values()].sort((a, b) => a.t.localeCompare(b.t)) });
  });
  return { range: query.range, resolution: w.resolution, vcenters: out };
}
