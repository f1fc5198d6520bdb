/**
 * The one sentence a failed poll leaves on its target (PollState.lastError, the alert cause, the
 * log line): the client's own typed message when there is one, never a stack or a secret.
 */
import { describeKmipFailure, KmipError, KmipTransportError } from '../kmip/errors';
import { TtlvDecodeError } from '../kmip/ttlv';
import { TargetError } from '../targets/store';
import { isVsphereError } from '../vsphere/errors';
import { VsphereClientConfigError } from '../vsphere/client';

/** A poll that did not finish within its target's time limit. */
export class PollTimeoutError extends Error {
  override name = 'PollTimeoutError';
}

/** A target that cannot be polled as configured (e.g. no client certificate yet). */
export class PollConfigError extends Error {
  override name = 'PollConfigError';
}

const MAX = 500;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX ? `${line.slice(0, MAX - 1)}…` : line;
}

/** One line for any error: the message of a typed client error as is, otherwise prefixed by `what`. */
export function describeFailure(err: unknown, what: string): string {
  if (isVsphereError(err)) return oneLine(err.message);
  if (err instanceof KmipTransportError || err instanceof KmipError || err instanceof TtlvDecodeError) return oneLine(describeKmipFailure(err));
  const message = err instanceof Error ? err.message : String(err);
  return oneLine(`${what}: ${message}`);
}

export function describePollFailure(err: unknown, targetName: string): string {
  if (err instanceof PollTimeoutError || err instanceof PollConfigError || err instanceof VsphereClientConfigError || err instanceof TargetError) return oneLine(err.message);
  return describeFailure(err, `Polling ${targetName} failed`);
}

/**
 * Runs `job` with a deadline. On expiry the signal aborts (the job closes its connections) and
 * the promise rejects with PollTimeoutError, whatever the job does afterwards.
 */
export async function withDeadline<T>(ms: number, what: string, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new PollTimeoutError(`${what} did not finish within ${Math.round(ms / 1000)} s; the read was abandoned and nothing from it was stored.`));
    }, ms);
  });
  try {
    return await Promise.race([job(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
