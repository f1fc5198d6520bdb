/**
 * Exponential back-off: the wait before attempt `attempt` (1 = the first retry) doubles from
 * `firstDelayMs` up to `maxDelayMs`. Used by the supervisor's restarts and by processes waiting
 * for the database.
 */
export interface Backoff {
  firstDelayMs: number;
  maxDelayMs: number;
}

export function backoffDelay(attempt: number, { firstDelayMs, maxDelayMs }: Backoff): number {
  return Math.min(firstDelayMs * 2 ** Math.max(0, attempt - 1), maxDelayMs);
}

/** Runs `attempt` until it resolves, waiting backoffDelay() between failures; `onFailure` sees each error. */
export async function retryWithBackoff<T>(
  attempt: () => Promise<T>,
  backoff: Backoff & { onFailure?: (error: unknown, attempt: number, nextDelayMs: number) => void },
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      const delay = backoffDelay(n, backoff);
      backoff.onFailure?.(error, n, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
