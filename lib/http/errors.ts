import { jsonResponse } from './response';

export interface DomainErrorOptions {
  /** The request field the error is about ("name", "nodes"): the answer carries it as a field error. */
  field?: string;
  /** Per-field messages keyed by dotted path ("nodes.0.port"), "" for the body itself. */
  fieldErrors?: Record<string, string[]>;
  /** Response headers the answer needs (www-authenticate, retry-after). */
  headers?: Record<string, string>;
}

/**
 * A refusal the caller can act on, thrown anywhere in lib/: it carries the HTTP status it answers
 * with and a stable `code` for callers that are not HTTP (the worker, the CLI). Route handlers let
 * it propagate; `errorResponse` is the one place that turns it into an answer. Every other error is
 * a bug or an outage and answers 500.
 */
export class DomainError<Code extends string = string> extends Error {
  override name = 'DomainError';
  readonly fieldErrors: Record<string, string[]> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: Code,
    readonly status: number,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message);
    this.fieldErrors = options.fieldErrors ?? (options.field === undefined ? undefined : { [options.field]: [message] });
    this.headers = options.headers ?? {};
  }
}

/**
 * The request itself was refused before any domain rule ran: bad body or parameters, no identity,
 * no permission, a rate limit.
 */
export class HttpError extends DomainError<'request'> {
  override name = 'HttpError';
  constructor(status: number, message: string, options: Omit<DomainErrorOptions, 'field'> = {}) {
    super('request', status, message, options);
  }
}

/** The JSON answer for a refusal: `{ error, fieldErrors? }` with its status and headers. */
export function errorResponse(error: DomainError): Response {
  const body = error.fieldErrors ? { error: error.message, fieldErrors: error.fieldErrors } : { error: error.message };
  return jsonResponse(body, { status: error.status, headers: error.headers });
}
