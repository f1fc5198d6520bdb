/**
 * Progress a manager can trust, in two pure steps:
 * - reconcile: each item's state against vCenter's truth (its key id's provider in the
 *   inventory), never against what Keywatch believes it did — an item is verified only while
 *   vCenter shows it on the target provider with its VM unlocked;
 * - summarize: % verified, items per day, burndown, ETA from the observed rate, failures by class.
 */
import type { InventoryIndex, KeyRef } from './inventory';
import { FAILURE_CLASSES, ITEM_STATES, type FailureClass, type ItemState } from './model';

export interface ItemRow {
  id: string;
  kind: string;
  entityMoid: string;
  diskKey: number | null;
  state: ItemState;
  currentProviderId: string | null;
  /** Left out by readers that track the provider only: then a new key of the same provider is not a change. */
  currentKeyId?: string | null;
  failureClass: FailureClass | null;
}

export interface ItemObservation {
  /** The entity (VM, disk, cluster, host) is in the inventory. */
  found: boolean;
  key: KeyRef | null;
  /** For VM items: runtime.cryptoState / runtime.connectionState of the VM (null = not reported). */
  vmCryptoState: 'locked' | 'unlocked' | null;
  vmConnectionState: string | null;
}

const NOT_FOUND: ItemObservation = { found: false, key: null, vmCryptoState: null, vmConnectionState: null };

/** What vCenter says about one item now. */
export function observeItem(index: InventoryIndex, item: Pick<ItemRow, 'kind' | 'entityMoid' | 'diskKey'>): ItemObservation {
  switch (item.kind) {
    case 'vm-config':
    case 'vm-disk': {
      const vm = index.vms.get(item.entityMoid);
      if (!vm) return NOT_FOUND;
      if (item.kind === 'vm-config') return { found: true, key: vm.configKey, vmCryptoState: vm.cryptoState, vmConnectionState: vm.connectionState };
      const disk = vm.disks.find((d) => d.key === item.diskKey);
      return disk ? { found: true, key: disk.keyId, vmCryptoState: vm.cryptoState, vmConnectionState: vm.connectionState } : NOT_FOUND;
    }
    case 'vsan-kek': {
      const cluster = index.clusters.get(item.entityMoid);
      return cluster ? { found: true, key: cluster.vsanKek, vmCryptoState: null, vmConnectionState: null } : NOT_FOUND;
    }
    case 'host-key': {
      const host = index.hosts.get(item.entityMoid);
      return host ? { found: true, key: host.hostKey, vmCryptoState: null, vmConnectionState: null } : NOT_FOUND;
    }
    default:
      return NOT_FOUND;
  }
}

/** A VM item is healthy when its VM is unlocked and (when reported) connected. Other kinds have no VM. */
export function vmHealthy(kind: string, obs: Pick<ItemObservation, 'vmCryptoState' | 'vmConnectionState'>): boolean {
  if (kind !== 'vm-config' && kind !== 'vm-disk') return true;
  return obs.vmCryptoState === 'unlocked' && (obs.vmConnectionState === null || obs.vmConnectionState === 'connected');
}

export interface ItemTransition {
  state: ItemState;
  failureClass: FailureClass | null;
  errorText: string | null;
  verifiedAt: Date | null;
  failedAt: Date | null;
}

export interface ItemChange {
  id: string;
  /** The state the change was computed from: writers apply it only if the row still has it. */
  fromState: ItemState;
  currentProviderId: string | null;
  currentKeyId: string | null;
  /** Every state column's new value when the state changes; null when only the provider moved. */
  transition: ItemTransition | null;
}

export const LOCKED_ON_TARGET_TEXT = 'vCenter reports the VM locked (runtime.cryptoState locked) while it names a key of the target provider.';

/**
 * The item's change given vCenter's view, or null when nothing changes. In-progress items belong
 * to the executor: only their current provider is refreshed. Items vCenter no longer reports
 * keep their state (the risk list says so).
 */
export function reconcileItem(item: ItemRow, obs: ItemObservation, targetProviderId: string, now: Date): ItemChange | null {
  const providerId = obs.found ? (obs.key?.providerId ?? null) : item.currentProviderId;
  const keyId = obs.found ? (obs.key?.keyId ?? null) : (item.currentKeyId ?? null);
  let transition: ItemTransition | null = null;
  if (item.state !== 'in-progress' && obs.found) {
    const onTarget = providerId === targetProviderId;
    if (onTarget && vmHealthy(item.kind, obs)) {
      if (item.state !== 'verified') transition = { state: 'verified', failureClass: null, errorText: null, verifiedAt: now, failedAt: null };
    } else if (onTarget && obs.vmCryptoState === 'locked') {
      if (item.state !== 'failed') transition = { state: 'failed', failureClass: 'KEY_INCORRECT', errorText: LOCKED_ON_TARGET_TEXT, verifiedAt: null, failedAt: now };
    } else if (!onTarget && (item.state === 'verified' || item.state === 'rekeyed')) {
      // vCenter shows it off the target (reverted, or never done): it is not done, whatever was recorded.
      transition = { state: 'pending', failureClass: null, errorText: null, verifiedAt: null, failedAt: null };
    }
  }
  const keyMoved = item.currentKeyId !== undefined && keyId !== item.currentKeyId;
  if (!transition && providerId === item.currentProviderId && !keyMoved) return null;
  return { id: item.id, fromState: item.state, currentProviderId: providerId, currentKeyId: keyId, transition };
}

// ── summary ──

export interface ProgressCounts {
  total: number;
  byState: Partial<Record<ItemState, number>>;
  failuresByClass: Partial<Record<FailureClass, number>>;
  /** Items verified per UTC hour ("YYYY-MM-DDTHH"), any order: days, burndown and the ETA's rate come from these. */
  verifiedPerHour: { hour: string; count: number }[];
  vms: { total: number; verified: number; failed: number };
}

export interface CountableItem {
  kind: string;
  entityMoid: string;
  state: ItemState;
  failureClass: FailureClass | null;
  /** UTC hour of the verification ("YYYY-MM-DDTHH", see utcHour). */
  verifiedHour: string | null;
}

export function utcHour(date: Date): string {
  return date.toISOString().slice(0, 13);
}

/** The counts of items in hand (the recompute has them all in memory anyway). */
export function countItems(items: Iterable<CountableItem>): ProgressCounts {
  const counts: ProgressCounts = { total: 0, byState: {}, failuresByClass: {}, verifiedPerHour: [], vms: { total: 0, verified: 0, failed: 0 } };
  const hours = new Map<string, number>();
  const vms = new Map<string, { verified: boolean; failed: boolean }>();
  for (const item of items) {
    counts.total++;
    counts.byState[item.state] = (counts.byState[item.state] ?? 0) + 1;
    if (item.state === 'failed') {
      const cls = item.failureClass ?? 'OTHER';
      counts.failuresByClass[cls] = (counts.failuresByClass[cls] ?? 0) + 1;
    }
    if (item.state === 'verified' && item.verifiedHour) hours.set(item.verifiedHour, (hours.get(item.verifiedHour) ?? 0) + 1);
    if (item.kind === 'vm-config' || item.kind === 'vm-disk') {
      const vm = vms.get(item.entityMoid) ?? { verified: true, failed: false };
      vm.verified &&= item.state === 'verified';
      vm.failed ||= item.state === 'failed';
      vms.set(item.entityMoid, vm);
    }
  }
  counts.verifiedPerHour = [...hours].map(([hour, count]) => ({ hour, count }));
  for (const vm of vms.values()) {
    counts.vms.total++;
    if (vm.verified) counts.vms.verified++;
    if (vm.failed) counts.vms.failed++;
  }
  return counts;
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
