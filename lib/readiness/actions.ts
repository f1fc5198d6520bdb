/**
 * Host actions through the gate: the server re-runs the readiness check itself (never trusting a
 * page's verdict), refuses with the blocking rules when BLOCKED and sends nothing to vCenter, or
 * starts the vCenter task and follows it — and then the host, until it is connected again with its
 * disk groups mounted and its VMs unlocked (a reboot task's success only means the reboot started).
 * Every decision is audited. Break-glass: an admin may let one action on one host through a BLOCKED
 * verdict with a written reason; never past VC_REACHABLE.
 */
import { z } from 'zod';
import type { AuditAction, AuditOutcome } from '../audit/record';
import type { Db, PrismaClient } from '../db/client';
import type { HostAction as HostActionRow } from '../db/generated/client';
import { DomainError } from '../http/errors';
import { reasonOf, type Logger } from '../logging/logger';
import type { SecretBox } from '../secrets/keyring';
import type { VsphereClient } from '../vsphere/client';
import { checkHostReadiness, type CheckResult } from './check';
import { stateConflict } from './action-state';
import { HOST_ACTIONS, type HostAction } from './input';
import { enqueueOverrideNotice } from './override-notice';
import { createReadinessSources, type LiveSourcesOptions, type ResolvedHost } from './sources';

export const DEFAULT_OVERRIDE_MINUTES = 60;

export const hostActionRequestSchema = z
  .object({
    action: z.enum(HOST_ACTIONS, { message: `action must be one of ${HOST_ACTIONS.join(', ')}` }),
    override: z
      .object({
        reason: z.string().trim().min(10, 'the override needs a written reason (at least 10 characters)').max(2000),
        expiresInMinutes: z.number().int().min(1).max(24 * 60).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type HostActionRequest = z.infer<typeof hostActionRequestSchema>;

const ACTION_ERROR_STATUS = { forbidden: 403, 'not-found': 404 } as const;

export class HostActionError extends DomainError<keyof typeof ACTION_ERROR_STATUS> {
  override name = 'HostActionError';
  constructor(code: keyof typeof ACTION_ERROR_STATUS, message: string, field?: string) {
    super(code, ACTION_ERROR_STATUS[code], message, { field });
  }
}

/** The audit hook of the request (withPolicy's bound `audit`). */
export type ActionAudit = (action: AuditAction, target: { type: string; id?: string | null } | null, details?: Record<string, unknown>, options?: { outcome?: AuditOutcome }) => Promise<void>;

/** How the request records: `audit` alone for decisions, `transaction` for a change and its audit row together (withPolicy's). */
export interface ActionRecorder {
  audit: ActionAudit;
  transaction<T>(fn: (tx: Db, audit: ActionAudit) => Promise<T>): Promise<T>;
}

export interface ActionCaller {
  name: string;
  /** Only administrators may override a BLOCKED verdict. */
  isAdmin: boolean;
}

export interface ActionDeps {
  prisma: PrismaClient;
  box: SecretBox;
  logger?: Logger;
  sources?: Partial<Omit<LiveSourcesOptions, 'prisma' | 'box' | 'vcenterId'>>;
  follow?: FollowOptions;
}

export interface FollowOptions {
  pollIntervalMs?: number;
  /** The whole action, task and host's return together. */
  timeoutMs?: number;
}

export interface HostActionView {
  id: string;
  hostId: string;
  hostName: string;
  action: string;
  state: string;
  phase: string;
  message: string | null;
  verdict: string;
  blockingRules: string[];
  override: { reason: string; expiresAt: string | null } | null;
  requestedBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export function hostActionView(row: HostActionRow): HostActionView {
  return {
    id: row.id,
    hostId: row.hostId,
    hostName: row.hostName,
    action: row.action,
    state: row.state,
    phase: row.phase,
    message: row.message,
    verdict: row.verdict,
    blockingRules: JSON.parse(row.blockingRules) as string[],
    override: row.overrideReason ? { reason: row.overrideReason, expiresAt: row.overrideExpiresAt?.toISOString() ?? null } : null,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export async function getHostAction(prisma: PrismaClient, host: ResolvedHost, actionId: string): Promise<HostActionView> {
  const row = await prisma.hostAction.findUnique({ where: { id: actionId } });
  if (!row || row.hostId !== host.rowId) throw new HostActionError('not-found', 'No action with that id on this host.');
  return hostActionView(row);
}

/** Why a 409: the gate said BLOCKED, VC_REACHABLE cannot be overridden, or the host is in the wrong state for the action. */
export type RefusalCode = 'blocked' | 'vc-unreachable' | 'invalid-state';

export type ActionOutcome =
  | { status: 202; body: { action: HostActionView; check: CheckResult }; settled: Promise<void> }
  | { status: 409; body: { error: string; code: RefusalCode; verdict: CheckResult['verdict']; blocking: string[]; rules: CheckResult['rules']; check: CheckResult } };

function refusal(code: RefusalCode, message: string, check: CheckResult): Extract<ActionOutcome, { status: 409 }> {
  return { status: 409, body: { error: message, code, verdict: check.verdict, blocking: check.blocking, rules: check.rules, check } };
}

const failingRules = (check: CheckResult) => check.rules.filter((r) => check.blocking.includes(r.id)).map((r) => ({ id: r.id, status: r.status, summary: r.summary }));

function startTask(client: VsphereClient, moid: string, action: HostAction) {
  switch (action) {
    case 'enter-maintenance':
      return client.enterMaintenanceMode(moid);
    case 'exit-maintenance':
      return client.exitMaintenanceMode(moid);
    case 'reboot':
      return client.rebootHost(moid, false);
  }
}

/**
 * The gate's decision on one action, and — when allowed — the action started. The answer's
 * `settled` resolves when the action has ended (its row then says how).
 */
export async function requestHostAction(deps: ActionDeps, host: ResolvedHost, request: HostActionRequest, caller: ActionCaller, recorder: ActionRecorder): Promise<ActionOutcome> {
  const { audit } = recorder;
  const target = { type: 'host', id: host.rowId };
  if (request.override && !caller.isAdmin) {
    await audit('gate.decision', target, { host: host.name, action: request.action, decision: 'refused', reason: 'override requested by a non-admin' }, { outcome: 'denied' });
    throw new HostActionError('forbidden', 'Only an administrator may override the readiness gate.', 'override');
  }
  const sources = createReadinessSources({ prisma: deps.prisma, box: deps.box, vcenterId: host.vcenterId, ...deps.sources });
  let handedOff = false;
  try {
    const check = await checkHostReadiness(sources, host.moid, request.action);
    const summary = { host: host.name, action: request.action, verdict: check.verdict, blocking: check.blocking, rules: check.rules.map((r) => ({ id: r.id, status: r.status })) };
    const refuse = async (code: RefusalCode, message: string, reason?: string) => {
      await audit('gate.decision', target, { ...summary, decision: 'refused', ...(reason && { reason }), ...(request.override && { override: request.override.reason }) }, { outcome: 'denied' });
      deps.logger?.info({ host: host.name, action: request.action, code, blocking: check.blocking, by: caller.name }, 'host action refused by the readiness gate');
      return refusal(code, message, check);
    };
    if (check.verdict === 'BLOCKED' && (!request.override || check.blocking.includes('VC_REACHABLE'))) {
      if (!request.override) return refuse('blocked', `${host.name} is not ready for ${request.action}: ${check.blocking.join(', ')}.`);
      return refuse('vc-unreachable', `vCenter cannot be reached, and VC_REACHABLE cannot be overridden: nothing was sent to ${host.name}.`, 'no override for VC_REACHABLE');
    }
    // No override skips this: vCenter would refuse the task anyway, after Keywatch had said yes.
    const conflict = stateConflict(request.action, host.name, check.hostState);
    if (conflict) return refuse('invalid-state', conflict, conflict);

    let overrideExpiresAt: Date | null = null;
    if (check.verdict === 'BLOCKED' && request.override) {
      const now = new Date();
      overrideExpiresAt = new Date(now.getTime() + (request.override.expiresInMinutes ?? DEFAULT_OVERRIDE_MINUTES) * 60_000);
      const failing = failingRules(check);
      const reason = request.override.reason;
      // The audit rows and the notification commit together: no silent break-glass.
      const notified = await recorder.transaction(async (tx, txAudit) => {
        const queued = await enqueueOverrideNotice(tx, { hostId: host.rowId, hostName: host.name, action: request.action, reason, by: caller.name, expiresAt: overrideExpiresAt!, failingRules: failing, at: now });
        await txAudit('override.create', target, { ...summary, reason, expiresAt: overrideExpiresAt!.toISOString(), failingRules: failing, webhooksNotified: queued });
        await txAudit('gate.decision', target, { ...summary, decision: 'overridden', reason });
        return queued;
      });
      deps.logger?.warn({ host: host.name, action: request.action, blocking: check.blocking, by: caller.name, webhooksNotified: notified }, 'readiness gate overridden');
    } else {
      await audit('gate.decision', target, { ...summary, decision: 'allowed' });
    }

    const client = await sources.client();
    let task;
    try {
      task = await startTask(client, host.moid, request.action);
    } catch (err) {
      const message = reasonOf(err);
      await audit('host.action', target, { host: host.name, action: request.action, error: message }, { outcome: 'failure' });
      throw new HostActionStartError(`vCenter refused to start ${request.action} on ${host.name}: ${message}`);
    }
    const row = await deps.prisma.hostAction.create({
      data: {
        vcenterId: host.vcenterId,
        hostId: host.rowId,
        hostMoid: host.moid,
        hostName: host.name,
        action: request.action,
        state: 'running',
        phase: 'task',
        message: `vCenter task ${task.value} started.`,
        verdict: check.verdict,
        blockingRules: JSON.stringify(check.blocking),
        overrideReason: request.override && check.verdict === 'BLOCKED' ? request.override.reason : null,
        overrideExpiresAt,
        requestedBy: caller.name,
        taskId: task.value,
      },
    });
    await audit('host.action', target, { host: host.name, action: request.action, actionId: row.id, task: task.value, verdict: check.verdict, overridden: overrideExpiresAt !== null });
    deps.logger?.info({ host: host.name, action: request.action, task: task.value, by: caller.name }, 'host action started');
    handedOff = true;
    const settled = followAction(deps, client, row.id, host, request.action, task)
      .catch((err: unknown) => deps.logger?.error({ host: host.name, action: request.action, reason: reasonOf(err) }, 'host action follow-up failed'))
      .finally(() => sources.close());
    return { status: 202, body: { action: hostActionView(row), check }, settled };
  } finally {
    if (!handedOff) await sources.close();
  }
}

/** vCenter refused to start the task (after the gate allowed it): 502, nothing running. */
export class HostActionStartError extends DomainError<'vcenter'> {
  override name = 'HostActionStartError';
  constructor(message: string) {
    super('vcenter', 502, message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function followAction(deps: ActionDeps, client: VsphereClient, rowId: string, host: ResolvedHost, action: HostAction, task: Awaited<ReturnType<VsphereClient['rebootHost']>>): Promise<void> {
  const interval = deps.follow?.pollIntervalMs ?? 500;
  const deadline = Date.now() + (deps.follow?.timeoutMs ?? 30 * 60_000);
  const update = (data: { state?: string; phase?: string; message: string; finishedAt?: Date }) => deps.prisma.hostAction.update({ where: { id: rowId }, data });
  try {
    await client.waitForTask(task, { timeoutMs: Math.max(1000, deadline - Date.now()), pollIntervalMs: interval });
    await update({ phase: 'waiting-for-host', message: `Task done; waiting for ${host.name} to be back with disk groups mounted and VMs unlocked.` });
    // A reboot task succeeds once the reboot started: see the host drop out before waiting for it to return.
    let wentDown = action !== 'reboot';
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${host.name} was not back within the time limit.`);
      const snapshot = await client.readHosts([host.moid], { providerDetails: false }).catch(() => null);
      const h = snapshot?.hosts[0];
      if (!h || h.connectionState !== 'connected') wentDown = true;
      else if (wentDown) {
        const groupsOk = (h.diskGroups ?? []).every((g) => g.mounted && g.keysLoaded !== false);
        const locked = snapshot!.vms.filter((v) => v.hostId === host.moid && (v.lock !== null || v.cryptoState === 'locked'));
        if (h.diskGroups !== null && groupsOk && locked.length === 0) break;
        await update({ message: !groupsOk ? `${host.name} is connected; disk groups not mounted yet.` : `${host.name} is connected; ${locked.length} VM(s) still locked.` });
      }
      await sleep(interval);
    }
    await update({ state: 'succeeded', phase: 'done', message: `${host.name} is connected with its disk groups mounted and its VMs unlocked.`, finishedAt: new Date() });
    deps.logger?.info({ host: host.name, action }, 'host action finished');
  } catch (err) {
    const message = reasonOf(err);
    await update({ state: 'failed', phase: 'done', message, finishedAt: new Date() });
    deps.logger?.warn({ host: host.name, action, reason: message }, 'host action failed');
  }
}
