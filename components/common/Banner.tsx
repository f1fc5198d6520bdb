import type { ReactNode } from 'react';
import type { Tone } from './Badge';

/**
 * A strip across the page that something is off (stale data, degraded health). `urgent` makes
 * screen readers announce it at once (role="alert"); otherwise it is a polite status.
 */
export function Banner({ tone = 'warn', title, children, urgent = false, testId }: { tone?: Tone; title: ReactNode; children?: ReactNode; urgent?: boolean; testId?: string }) {
  return (
    <div className={`banner tone-${tone}`} role={urgent ? 'alert' : 'status'} data-testid={testId}>
      <strong>{title}</strong>
      {children && <p>{children}</p>}
    </div>
  );
}
