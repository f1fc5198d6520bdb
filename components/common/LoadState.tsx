import type { ReactNode } from 'react';

/**
 * What a panel shows instead of its content: loading, failed, or nothing to show. Pages pass the
 * query's state; `children` renders only when there is data.
 */
export function LoadState({
  loading,
  error,
  empty,
  emptyText = 'Nothing to show.',
  loadingText = 'Loading…',
  children,
}: {
  loading: boolean;
  error: unknown;
  empty?: boolean;
  emptyText?: ReactNode;
  loadingText?: ReactNode;
  children: ReactNode;
}) {
  if (error) {
    return (
      <p className="load-state error" role="alert">
        {errorText(error)}
      </p>
    );
  }
  if (loading) {
    return (
      <p className="load-state" role="status">
        <span className="spinner" aria-hidden />
        {loadingText}
      </p>
    );
  }
  if (empty) return <p className="load-state empty">{emptyText}</p>;
  return <>{children}</>;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : 'Something went wrong.';
}
