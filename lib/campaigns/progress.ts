/**
 * Progress a manager can trust: % verified, items per day, burndown, ETA from the observed rate,
 * failures by class — summarized (pure) from counts that reconcile-sql.ts computes in the database
 * against vCenter's truth (an item is verified only while vCenter shows it on the target provider
 * with its VM unlocked), never from what Keywatch believes it did.
 */
import { FAILURE_CLASSES, ITEM_STATES, type FailureClass, type ItemState } from './model';

// ── summary ──

export interface ProgressCounts {
  total: number;
  byState: Partial<Record<ItemState, number>>;
  failuresByClass: Partial<Record<FailureClass, number>>;
  /** Items verified per UTC hour ("YYYY-MM-DDTHH"), any order: days, burndown and the ETA's rate come from these. */
  verifiedPerHour: { hour: string; count: number }[];
  vms: { total: number; verified: number; failed: number };
}

export function utcHour(date: Date): string {
  return date.toISOString().slice(0, 13);
}

export interface CampaignTimes {
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Progress {
  total: number;
  byState: Record<ItemState, number>;
  remaining: number;
  percentVerified: number;
  vms: { total: number; verified: number; failed: number };
  failuresByClass: Record<FailureClass, number>;
  itemsPerDay: { day: string; verified: number }[];
  burndown: { day: string; remaining: number }[];
  /** Items verified per day over the observed window; null before there is a rate. */
  ratePerDay: number | null;
  /** When the remaining items would be verified at that rate (ISO); null without a rate. */
  eta: string | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The rate behind the ETA is observed over at most this long (recent pace, not the whole history). */
export const ETA_WINDOW_MS = 7 * DAY_MS;
/** Below this much observed time a rate means nothing. */
const MIN_RATE_WINDOW_MS = 60_000;

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Start of the window the ETA's rate is measured over: the last 7 days, not before the start,
 * on an hour boundary (verifications are counted per hour).
 */
export function etaWindowStart(startedAt: Date | null, now: Date): Date | null {
  if (!startedAt) return null;
  const start = Math.max(startedAt.getTime(), now.getTime() - ETA_WINDOW_MS);
  return new Date(Math.floor(start / HOUR_MS) * HOUR_MS);
}

export function summarizeProgress(counts: ProgressCounts, times: CampaignTimes, now: Date): Progress {
  const byState = Object.fromEntries(ITEM_STATES.map((s) => [s, counts.byState[s] ?? 0])) as Record<ItemState, number>;
  const failuresByClass = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, counts.failuresByClass[c] ?? 0])) as Record<FailureClass, number>;
  const verified = byState.verified;
  const remaining = Math.max(0, counts.total - verified);
  const windowStart = etaWindowStart(times.startedAt, now);
  const windowHour = windowStart ? utcHour(windowStart) : null;
  const perDay = new Map<string, number>();
  let verifiedInWindow = 0;
  for (const { hour, count } of counts.verifiedPerHour) {
    const day = hour.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + count);
    if (windowHour !== null && hour >= windowHour) verifiedInWindow += count;
  }
  const days = [...perDay.keys()].sort();

  // Burndown from the first day anything happened (start, or an earlier verification) to today / the finish.
  const firstDay = [utcDay(times.startedAt ?? times.createdAt), days[0]].filter((d): d is string => d !== undefined).sort()[0]!;
  const lastDay = utcDay(times.finishedAt ?? now);
  const burndown: Progress['burndown'] = [];
  const itemsPerDay: Progress['itemsPerDay'] = [];
  let done = 0;
  for (let t = Date.parse(`${firstDay}T00:00:00Z`); t <= Date.parse(`${lastDay}T00:00:00Z`); t += DAY_MS) {
    const day = utcDay(new Date(t));
    const count = perDay.get(day) ?? 0;
    done += count;
    itemsPerDay.push({ day, verified: count });
    burndown.push({ day, remaining: Math.max(0, counts.total - done) });
  }

  const windowMs = windowStart ? now.getTime() - windowStart.getTime() : 0;
  const ratePerDay = windowMs >= MIN_RATE_WINDOW_MS && verifiedInWindow > 0 ? verifiedInWindow / (windowMs / DAY_MS) : null;
  let eta: string | null = null;
  if (remaining === 0) eta = (times.finishedAt ?? now).toISOString();
  else if (ratePerDay) eta = new Date(now.getTime() + (remaining / ratePerDay) * DAY_MS).toISOString();

  return {
    total: counts.total,
    byState,
    remaining,
    percentVerified: counts.total === 0 ? 0 : Math.round((verified / counts.total) * 1000) / 10,
    vms: counts.vms,
    failuresByClass,
    itemsPerDay,
    burndown,
    ratePerDay: ratePerDay === null ? null : Math.round(ratePerDay * 100) / 100,
    eta,
  };
}
