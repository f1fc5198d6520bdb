import { useId, type ReactNode } from 'react';

/**
 * A titled panel: a landmark-free <section> named by its heading, with optional actions on the
 * heading's line. Works in server and client components.
 */
export function Card({
  title,
  actions,
  children,
  className,
  testId,
  busy = false,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
  busy?: boolean;
}) {
  const headingId = useId();
  return (
    <section className={`card${className ? ` ${className}` : ''}`} aria-labelledby={title ? headingId : undefined} aria-busy={busy || undefined} data-testid={testId}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2 id={headingId}>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}
