/**
 * One poll cycle of one claimed target: read it (under a deadline), fold the reading into what
 * is stored, and commit in ONE transaction the row differences, change log, samples, alerts,
 * notifications, the target's poll state and the run record. A worker killed at any point
 * leaves either the whole cycle or none of it. A failed read stores no observation: the last
 * good picture stays, the target records the error and backs off.
 */
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import type { SecretBox } from '../secrets/keyring';
import { openKmsClientCredentials, openVcenterCredentials } from '../targets/store';
import type { KmsReading, VcenterReading } from '../observations/readings';
import { buildKmsRows, kmsSamples, loadKmsRows, writeKmsRows, type KmsRows } from '../observations/kms-store';
import { hostKmsSamples, insertSamples } from '../observations/series';
import type { Db } from '../observations/table-writer';
import { buildVcenterRows } from '../observations/vcenter-rows';
import { applyVcenterWrite, fillGaps, loadVcenterFingerprints, planVcenterWrite, type VcenterFingerprints } from '../observations/vcenter-store';
import { kmsScope, vcenterScope } from '../alerts/catalog';
import { loadKeyUse, loadNodeNames, loadProviderKmsFacts } from '../alerts/facts';
import { reconcileAlerts } from '../alerts/reconcile';
import { kmsConditions } from '../alerts/rules-kms';
import { targetHealthConditions, targetScope } from '../alerts/rules-targets';
import { vcenterConditions } from '../alerts/rules-vcenter';
import { nextDueAt, type PollKind } from './backoff';
import { intervalOf, staleAfterOf, type PollSettings } from './settings';
import { describePollFailure, withDeadline } from './failure';
import { keyIdsForProvider, readKms } from './kms-reader';
import { finishCycle, holdsLease, type Claim } from './leases';
import { openstackCycle } from './openstack-cycle';
import { readVcenter } from './vcenter-reader';

/**
 * What is stored for the targets this worker polled last (vCenter: row fingerprints; KMS: the
 * rows), valid while the target's cycle counter has not moved, i.e. no other worker wrote since.
 */
export class RowCache {
  private readonly vcenters = new Map<string, { cycle: number; prints: VcenterFingerprints }>();
  private readonly kms = new Map<string, { cycle: number; rows: KmsRows }>();

  vcenter(targetId: string, cycle: number): VcenterFingerprints | undefined {
    const hit = this.vcenters.get(targetId);
    return hit?.cycle === cycle ? hit.prints : undefined;
  }
  setVcenter(targetId: string, cycle: number, prints: VcenterFingerprints): void {
    this.vcenters.set(targetId, { cycle, prints });
  }
  kmsRows(targetId: string, cycle: number): KmsRows | undefined {
    const hit = this.kms.get(targetId);
    return hit?.cycle === cycle ? hit.rows : undefined;
  }
  setKms(targetId: string, cycle: number, rows: KmsRows): void {
    this.kms.set(targetId, { cycle, rows });
  }
  forget(targetId: string): void {
    this.vcenters.delete(targetId);
    this.kms.delete(targetId);
  }
}

export interface CycleDeps {
  prisma: PrismaClient;
  box: SecretBox;
  workerId: string;
  now: () => Date;
  logger: Logger;
  settings: PollSettings;
  cache?: RowCache;
  random?: () => number;
  /** Interactive transaction limit; a first cycle of a large estate writes for a while. */
  transactionTimeoutMs?: number;
}

export type CycleOutcome = 'success' | 'partial' | 'failure' | 'lost-lease';

export interface CycleResult {
  targetId: string;
  kind: PollKind;
  outcome: CycleOutcome;
  error: string | null;
  rowsWritten: number;
  requests: number;
  durationMs: number;
  alertsOpened: number;
  alertsResolved: number;
  /** Where the time went: read (remote), load (stored rows), build (rows, rules, diff against the stored fingerprints), write (the transaction). */
  phasesMs?: { read: number; load: number; build: number; write: number };
}

class LeaseLost extends Error {}

/** Milliseconds since the previous call (the first: since creation). */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round(now - last);
    last = now;
    return ms;
  };
}

export interface TargetInfo {
  name: string;
  createdAt: Date;
}

async function targetInfo(prisma: PrismaClient, claim: Claim): Promise<TargetInfo | null> {
  const select = { name: true, createdAt: true } as const;
  if (claim.kind === 'openstack') return prisma.openstackCloud.findUnique({ where: { id: claim.targetId }, select });
  return claim.kind === 'vcenter'
    ? prisma.vcenterTarget.findUnique({ where: { id: claim.targetId }, select })
    : prisma.kmsProvider.findUnique({ where: { id: claim.targetId }, select });
}

/** The poll-state part every cycle commits: PollState, the run record and the target's health alerts. */
async function commitCycleEnd(
  tx: Db,
  deps: CycleDeps,
  claim: Claim,
  info: TargetInfo,
  run: { startedAt: Date; outcome: Exclude<CycleOutcome, 'lost-lease'>; error: string | null; requests: number; rowsWritten: number; stored: boolean; dataChanged: boolean; failuresAfter: number },
): Promise<{ rowsWritten: number; opened: number; resolved: number }> {
  const finishedAt = deps.now();
  const ok = run.outcome !== 'failure';
  const interval = intervalOf(deps.settings, claim.kind);
  await finishCycle(tx, claim, {
    startedAt: run.startedAt,
    finishedAt,
    nextDueAt: nextDueAt(claim.kind, run.startedAt, finishedAt, interval, run.failuresAfter, deps.random),
    ok,
    error: run.error,
    consecutiveFailures: run.failuresAfter,
    stored: run.stored,
    dataChanged: run.dataChanged,
  });
  const health = await reconcileAlerts(
    tx,
    targetScope(claim.targetId),
    targetHealthConditions({
      kind: claim.kind,
      targetId: claim.targetId,
      targetName: info.name,
      createdAt: info.createdAt,
      state: {
        lastSuccessAt: ok ? finishedAt : claim.lastSuccessAt,
        lastError: run.error,
        lastErrorAt: ok ? null : finishedAt,
        consecutiveFailures: run.failuresAfter,
      },
      staleAfterMs: staleAfterOf(deps.settings, claim.kind),
      now: finishedAt,
    }),
    finishedAt,
  );
  await tx.pollRun.create({
    data: {
      kind: claim.kind,
      targetId: claim.targetId,
      workerId: deps.workerId,
      startedAt: run.startedAt,
      endedAt: finishedAt,
      durationMs: finishedAt.getTime() - run.startedAt.getTime(),
      requests: run.requests,
      rowsWritten: run.rowsWritten + health.rowsWritten + 2,
      outcome: run.outcome,
      error: run.error,
    },
  });
  return { rowsWritten: health.rowsWritten + 2, opened: health.opened.length, resolved: health.resolved.length };
}

async function inTransaction<T>(deps: CycleDeps, claim: Claim, job: (tx: Db) => Promise<T>): Promise<T> {
  return deps.prisma.$transaction(
    async (tx) => {
      if (!(await holdsLease(tx, claim, deps.workerId))) throw new LeaseLost();
      return job(tx);
    },
    { timeout: deps.transactionTimeoutMs ?? 300_000, maxWait: 60_000 },
  );
}

function logResult(deps: CycleDeps, info: TargetInfo, result: CycleResult): void {
  const fields = { target: info.name, targetId: result.targetId, kind: result.kind, outcome: result.outcome, durationMs: result.durationMs, phasesMs: result.phasesMs, requests: result.requests, rowsWritten: result.rowsWritten, alertsOpened: result.alertsOpened, alertsResolved: result.alertsResolved };
  if (result.outcome === 'failure') deps.logger.warn({ ...fields, reason: result.error }, 'poll failed');
  else if (result.outcome === 'lost-lease') deps.logger.warn(fields, 'poll discarded: another worker holds the target now');
  else deps.logger.info(result.error ? { ...fields, reason: result.error } : fields, 'poll done');
}

async function failCycle(deps: CycleDeps, claim: Claim, info: TargetInfo, startedAt: Date, error: string, requests: number): Promise<CycleResult> {
  const failuresAfter = claim.consecutiveFailures + 1;
  const end = await inTransaction(deps, claim, (tx) =>
    commitCycleEnd(tx, deps, claim, info, { startedAt, outcome: 'failure', error, requests, rowsWritten: 0, stored: false, dataChanged: false, failuresAfter }),
  );
  return { targetId: claim.targetId, kind: claim.kind, outcome: 'failure', error, rowsWritten: end.rowsWritten, requests, durationMs: deps.now().getTime() - startedAt.getTime(), alertsOpened: end.opened, alertsResolved: end.resolved };
}

async function vcenterCycle(deps: CycleDeps, claim: Claim, info: TargetInfo, startedAt: Date): Promise<CycleResult> {
  // Let go of once turned into rows: on 40,000 VMs the raw estate is the largest object the worker holds.
  let reading: VcenterReading | undefined;
  const mark = stopwatch();
  try {
    const creds = await openVcenterCredentials(deps.prisma, deps.box, claim.targetId);
    reading = await withDeadline(deps.settings.vcenterTimeoutMs, `Reading vCenter ${info.name}`, (signal) =>
      readVcenter(creds, { requestTimeoutMs: Math.min(30_000, deps.settings.vcenterTimeoutMs) }, signal),
    );
  } catch (err) {
    return failCycle(deps, claim, info, startedAt, describePollFailure(err, info.name), 0);
  }
  const read = mark();
  const { rows, gaps } = buildVcenterRows(claim.targetId, reading);
  const { requests, readErrors } = reading;
  reading = undefined;
  const stored = deps.cache?.vcenter(claim.targetId, claim.cycle) ?? (await loadVcenterFingerprints(deps.prisma, claim.targetId));
  const next = await fillGaps(deps.prisma, claim.targetId, rows, gaps);
  const load = mark();
  const conditions = vcenterConditions({ vcenterId: claim.targetId, vcenterName: info.name, rows: next, kms: await loadProviderKmsFacts(deps.prisma) });
  const partialNote = readErrors.length > 0 ? readErrors.join(' ') : null;
  const outcome = readErrors.length > 0 ? 'partial' : 'success';
  const plan = await planVcenterWrite(deps.prisma, stored, next);
  const build = mark();
  const result = await inTransaction(deps, claim, async (tx) => {
    const now = deps.now();
    const written = await applyVcenterWrite(tx, plan, { now, targetId: claim.targetId, logChanges: claim.cycle > 0 });
    const samples = await insertSamples(tx, hostKmsSamples(claim.targetId, next, now));
    const alerts = await reconcileAlerts(tx, vcenterScope(claim.targetId), conditions, now);
    const rowsWritten = written.rowsWritten + samples + alerts.rowsWritten;
    const end = await commitCycleEnd(tx, deps, claim, info, { startedAt, outcome, error: partialNote, requests, rowsWritten, stored: true, dataChanged: written.rowsWritten > 0, failuresAfter: 0 });
    return { rowsWritten: rowsWritten + end.rowsWritten, opened: alerts.opened.length + end.opened, resolved: alerts.resolved.length + end.resolved, prints: written.fingerprints };
  });
  deps.cache?.setVcenter(claim.targetId, claim.cycle + 1, result.prints);
  const phasesMs = { read, load, build, write: mark() };
  return { targetId: claim.targetId, kind: 'vcenter', outcome, error: partialNote, rowsWritten: result.rowsWritten, requests, durationMs: deps.now().getTime() - startedAt.getTime(), alertsOpened: result.opened, alertsResolved: result.resolved, phasesMs };
}

async function kmsCycle(deps: CycleDeps, claim: Claim, info: TargetInfo, startedAt: Date): Promise<CycleResult> {
  let reading: KmsReading;
  let keyProviderId: string;
  const mark = stopwatch();
  try {
    const creds = await openKmsClientCredentials(deps.prisma, deps.box, claim.targetId);
    keyProviderId = creds.keyProviderId;
    const keyIds = await keyIdsForProvider(deps.prisma, keyProviderId);
    reading = await withDeadline(deps.settings.kmsTimeoutMs + 5000, `Probing KMS provider ${info.name}`, () => readKms(creds, keyIds, { timeoutMs: deps.settings.kmsTimeoutMs, now: deps.now() }));
  } catch (err) {
    return failCycle(deps, claim, info, startedAt, describePollFailure(err, info.name), 0);
  }
  const read = mark();
  const stored = deps.cache?.kmsRows(claim.targetId, claim.cycle) ?? (await loadKmsRows(deps.prisma, claim.targetId));
  const load = mark();
  const next = buildKmsRows(claim.targetId, reading, stored, deps.now());
  const troubled = [...new Set([...next.keys.values()].filter((k) => k.status !== 'active').map((k) => k.keyId))];
  const [keyUse, nodeNames] = await Promise.all([loadKeyUse(deps.prisma, keyProviderId, troubled), loadNodeNames(deps.prisma, keyProviderId)]);
  const up = reading.nodes.filter((n) => n.reachable).length;
  const outcome = up === reading.nodes.length ? 'success' : up > 0 ? 'partial' : 'failure';
  const firstError = reading.nodes.find((n) => !n.reachable)?.error ?? null;
  const error = outcome === 'success' ? null : outcome === 'failure' ? `No node of ${info.name} answered: ${firstError}` : `${reading.nodes.length - up} of ${reading.nodes.length} nodes did not answer: ${firstError}`;
  const build = mark();
  const result = await inTransaction(deps, claim, async (tx) => {
    const now = deps.now();
    const written = await writeKmsRows(tx, stored, next, { now, targetId: claim.targetId, logChanges: claim.cycle > 0 });
    const samples = await insertSamples(tx, kmsSamples(claim.targetId, reading, now));
    const conditions = kmsConditions({ target: { id: claim.targetId, name: info.name, keyProviderId }, nodes: [...next.nodes.values()], keys: [...next.keys.values()], keyUse, nodeNames, now });
    const alerts = await reconcileAlerts(tx, kmsScope(claim.targetId), conditions, now);
    const rowsWritten = written.rowsWritten + samples + alerts.rowsWritten;
    const failuresAfter = outcome === 'failure' ? claim.consecutiveFailures + 1 : 0;
    const end = await commitCycleEnd(tx, deps, claim, info, { startedAt, outcome, error, requests: reading.requests, rowsWritten, stored: true, dataChanged: written.rowsWritten > 0, failuresAfter });
    return { rowsWritten: rowsWritten + end.rowsWritten, opened: alerts.opened.length + end.opened, resolved: alerts.resolved.length + end.resolved };
  });
  deps.cache?.setKms(claim.targetId, claim.cycle + 1, next);
  const phasesMs = { read, load, build, write: mark() };
  return { targetId: claim.targetId, kind: 'kms', outcome, error, rowsWritten: result.rowsWritten, requests: reading.requests, durationMs: deps.now().getTime() - startedAt.getTime(), alertsOpened: result.opened, alertsResolved: result.resolved, phasesMs };
}

/** What a cycle of another kind, in a file of its own, shares with the ones here. */
export interface CycleKit {
  stopwatch: typeof stopwatch;
  inTransaction: typeof inTransaction;
  commitCycleEnd: typeof commitCycleEnd;
  failCycle: typeof failCycle;
}
const CYCLE_KIT: CycleKit = { stopwatch, inTransaction, commitCycleEnd, failCycle };

/** Runs one cycle of a claimed target. Never throws for target trouble; database errors propagate. */
export async function runCycle(deps: CycleDeps, claim: Claim): Promise<CycleResult> {
  const startedAt = deps.now();
  const info = await targetInfo(deps.prisma, claim);
  if (!info) {
    // Removed in Settings after the claim: its PollState went with it, nothing to record.
    deps.cache?.forget(claim.targetId);
    return { targetId: claim.targetId, kind: claim.kind, outcome: 'lost-lease', error: null, rowsWritten: 0, requests: 0, durationMs: 0, alertsOpened: 0, alertsResolved: 0 };
  }
  let result: CycleResult;
  try {
    result =
      claim.kind === 'vcenter'
        ? await vcenterCycle(deps, claim, info, startedAt)
        : claim.kind === 'kms'
          ? await kmsCycle(deps, claim, info, startedAt)
          : await openstackCycle(deps, claim, info, startedAt, CYCLE_KIT);
  } catch (err) {
    if (!(err instanceof LeaseLost)) throw err;
    deps.cache?.forget(claim.targetId);
    result = { targetId: claim.targetId, kind: claim.kind, outcome: 'lost-lease', error: null, rowsWritten: 0, requests: 0, durationMs: deps.now().getTime() - startedAt.getTime(), alertsOpened: 0, alertsResolved: 0 };
  }
  logResult(deps, info, result);
  return result;
}
