import { HttpError } from '../http/errors';
import { constantTimeEqual } from './secure-random';
import { CSRF_HEADER } from './sessions';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isMutation(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * A cross-site page cannot read our Strict csrf cookie, so it cannot put its value in the
 * header. The Origin check is a second, independent line: browsers always send Origin on
 * cross-origin POSTs.
 */
export function assertSameOrigin(request: Request): void {
  const origin = request.headers.get('origin');
  if (!origin || origin === 'null') {
    if (origin === 'null') throw new HttpError(403, 'Cross-site request refused.');
    return;
  }
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'Cross-site request refused.');
  }
  if (!host || originHost !== host) throw new HttpError(403, 'Cross-site request refused: the Origin does not match this server.');
}

export function assertCsrf(request: Request, expected: string): void {
  assertSameOrigin(request);
  const sent = request.headers.get(CSRF_HEADER);
  if (!sent || !constantTimeEqual(sent, expected)) {
    throw new HttpError(403, `Missing or wrong ${CSRF_HEADER} header; reload the page and try again.`);
  }
}
