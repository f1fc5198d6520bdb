/**
 * Alerts about the polling itself: a vCenter that does not answer, and any target whose stored
 * picture is older than it should be (no worker, or a target failing for long). They keep
 * on-call from trusting old data without knowing it.
 */
import type { PollState } from '../db/generated/client';
import { steps, type AlertCondition } from './catalog';

export const targetScope = (targetId: string): string => `target:${targetId}`;

export interface TargetHealthInput {
  kind: 'vcenter' | 'kms' | 'openstack';
  targetId: string;
  targetName: string;
  /** When the target was created: a target never polled is stale only after the limit from then. */
  createdAt: Date;
  state: Pick<PollState, 'lastSuccessAt' | 'lastError' | 'lastErrorAt' | 'consecutiveFailures'> | null;
  staleAfterMs: number;
  now: Date;
}

const ago = (from: Date, now: Date): string => {
  const s = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

export function targetHealthConditions(input: TargetHealthInput): AlertCondition[] {
  const out: AlertCondition[] = [];
  const { state, now } = input;
  const what = input.kind === 'vcenter' ? 'vCenter' : input.kind === 'kms' ? 'KMS provider' : 'OpenStack cloud';
  if (input.kind === 'vcenter' && state && state.consecutiveFailures > 0 && state.lastError) {
    out.push({
      kind: 'VCENTER_UNREACHABLE',
      severity: 'critical',
      entityType: 'vcenter',
      entityId: input.targetId,
      entityName: input.targetName,
      targetId: input.targetId,
      title: `vCenter ${input.targetName} cannot be read`,
      cause: `${state.lastError} (${state.consecutiveFailures} failed poll${state.consecutiveFailures === 1 ? '' : 's'} in a row${state.lastSuccessAt ? `; last good read ${ago(state.lastSuccessAt, now)}` : '; never read successfully'}).`,
      runbook: steps(
        `Check that vCenter ${input.targetName} is up and reachable from Keywatch (HTTPS), and that its certificate and the stored credentials (Settings → Targets → Test connection) still work.`,
        'Until it answers, Keywatch shows the last known state of its hosts and cannot confirm that a host is safe to reboot: do not reboot encrypted hosts on old data.',
      ),
      details: { lastError: state.lastError, consecutiveFailures: state.consecutiveFailures, lastSuccessAt: state.lastSuccessAt?.toISOString() ?? null },
    });
  }
  const since = state?.lastSuccessAt ?? input.createdAt;
  if (now.getTime() - since.getTime() > input.staleAfterMs) {
    out.push({
      kind: 'DATA_STALE',
      severity: 'warning',
      entityType: input.kind === 'vcenter' ? 'vcenter' : input.kind === 'kms' ? 'kmsProvider' : 'openstackCloud',
      entityId: input.targetId,
      entityName: input.targetName,
      targetId: input.targetId,
      title: `Data from ${what} ${input.targetName} is stale`,
      cause: state?.lastSuccessAt
        ? `The last successful poll of ${input.targetName} was ${ago(state.lastSuccessAt, now)}, longer than ${Math.round(input.staleAfterMs / 1000)} s. ${state.lastError ? `The last attempt failed: ${state.lastError}` : 'No poll has been recorded since: is a worker running?'}`
        : `${input.targetName} has never been polled successfully since it was added ${ago(input.createdAt, now)}. ${state?.lastError ? `The last attempt failed: ${state.lastError}` : 'No poll has been recorded: is a worker running?'}`,
      runbook: steps(
        'Check that a Keywatch worker is running (/api/health: worker alive) and its log for this target.',
        `Fix the target's error (Settings → Targets → Test connection).`,
        'Treat what Keywatch shows for it as out of date until this resolves.',
      ),
      details: { lastSuccessAt: state?.lastSuccessAt?.toISOString() ?? null, lastError: state?.lastError ?? null },
    });
  }
  return out;
}
