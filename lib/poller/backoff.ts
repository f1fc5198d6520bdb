/**
 * When a target is polled next. After a success: one interval after the cycle started. After
 * failures: exponential back-off with ±20 % jitter (so targets that failed together do not retry
 * together), capped so that recovery is still noticed soon.
 */
export type PollKind = 'vcenter' | 'kms' | 'openstack';

export function backoffCapMs(kind: PollKind, intervalMs: number): number {
  // A dead KMS must not hide its recovery for long: the cap stays a few intervals.
  return kind === 'kms' ? intervalMs * 3 : Math.max(intervalMs, Math.min(intervalMs * 10, 5 * 60_000));
}

export function nextDueAt(kind: PollKind, startedAt: Date, finishedAt: Date, intervalMs: number, consecutiveFailures: number, random: () => number = Math.random): Date {
  const onSchedule = startedAt.getTime() + intervalMs;
  if (consecutiveFailures === 0) return new Date(onSchedule);
  const delay = Math.min(intervalMs * 2 ** (consecutiveFailures - 1), backoffCapMs(kind, intervalMs));
  // Never sooner than the normal schedule: a failing target is polled less often, not more.
  return new Date(Math.max(onSchedule, finishedAt.getTime() + Math.round(delay * (0.8 + 0.4 * random()))));
}
