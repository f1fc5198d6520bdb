import type { ReactNode } from 'react';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

/** A short state word in a pill. The text carries the meaning; the colour only repeats it. */
export function Badge({ tone = 'neutral', children, title, plain = false, testId }: { tone?: Tone; children: ReactNode; title?: string; plain?: boolean; testId?: string }) {
  return (
    <span className={`badge tone-${tone}${plain ? ' plain' : ''}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}

/** The states Keywatch shows everywhere: health, KMS nodes, the reboot verdict. */
export const STATUS_STYLE = {
  ok: { tone: 'good', label: 'ok' },
  warn: { tone: 'warn', label: 'warning' },
  critical: { tone: 'bad', label: 'critical' },
  unknown: { tone: 'neutral', label: 'unknown' },
  up: { tone: 'good', label: 'up' },
  degraded: { tone: 'warn', label: 'degraded' },
  down: { tone: 'bad', label: 'down' },
  READY: { tone: 'good', label: 'READY' },
  BLOCKED: { tone: 'bad', label: 'BLOCKED' },
} as const satisfies Record<string, { tone: Tone; label: string }>;

export type Status = keyof typeof STATUS_STYLE;

/** A status from the fixed vocabulary; anything else reads as unknown rather than as fine. */
export function StatusBadge({ status, label, title, testId }: { status: Status | (string & {}); label?: string; title?: string; testId?: string }) {
  const style = status in STATUS_STYLE ? STATUS_STYLE[status as Status] : STATUS_STYLE.unknown;
  return (
    <Badge tone={style.tone} title={title} testId={testId}>
      {label ?? (status in STATUS_STYLE ? style.label : status)}
    </Badge>
  );
}
