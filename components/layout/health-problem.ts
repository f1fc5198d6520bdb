/**
 * What the shell's banner says about Keywatch's own health, from GET /api/health's answer. The
 * answer is read field by field and unknown fields are ignored: the report grows (processes that
 * restart, new statuses) and an old page must still say the right thing — never "all is well"
 * about an answer it cannot read.
 */
export interface HealthProblem {
  tone: 'warn' | 'bad';
  title: string;
  detail: string;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function since(iso: string | undefined, now: Date): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  const ago = seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
  return ` (last heard ${ago} ago)`;
}

/** null when all is well: status ok and a live worker. */
export function healthProblem(report: unknown, options: { unreachable?: boolean; now?: Date } = {}): HealthProblem | null {
  const now = options.now ?? new Date();
  if (options.unreachable) {
    return { tone: 'bad', title: 'Keywatch does not answer', detail: 'The dashboard cannot reach its server; what you see may be out of date.' };
  }
  const body = record(report);
  const status = text(body.status);
  const database = record(body.database);
  const worker = record(body.worker);
  const restarting = Array.isArray(body.restarting) ? body.restarting.filter((p): p is string => typeof p === 'string') : [];
  if (!status) return { tone: 'bad', title: 'Keywatch health is unreadable', detail: 'The health report has no status; treat the data on these pages as stale.' };

  if (status === 'down' || database.status === 'error') {
    const why = text(database.error);
    return {
      tone: 'bad',
      title: 'Keywatch cannot reach its database',
      detail: `Nothing new is recorded or shown until it is back${why ? `: ${why}` : ''}.`,
    };
  }
  if (restarting.length > 0) {
    return {
      tone: 'warn',
      title: `Restarting: ${restarting.join(', ')}`,
      detail: 'Keywatch is bringing a process back; data may be stale for a moment.',
    };
  }
  const lastBeat = since(text(worker.lastBeatAt), now);
  if (worker.status === 'stale') {
    return { tone: 'warn', title: 'Data is stale: the worker has stopped reporting', detail: `Nothing is being polled${lastBeat}. Is the worker process running?` };
  }
  if (worker.status === 'absent') {
    return { tone: 'warn', title: 'No worker has started', detail: 'Nothing is being polled, so these pages show no live data.' };
  }
  if (worker.status !== 'alive') {
    return { tone: 'warn', title: 'The worker state is unknown', detail: 'Treat the data on these pages as possibly stale.' };
  }
  if (status !== 'ok') {
    return { tone: 'warn', title: `Keywatch is ${status}`, detail: 'Some of its parts are not working; data may be stale.' };
  }
  return null;
}
