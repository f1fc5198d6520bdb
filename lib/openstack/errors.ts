/**
 * One error type for everything that can go wrong talking to an OpenStack cloud. The message is one
 * line naming the service, its host, the call and the cause; the fields carry the same facts for
 * programs. Passwords and tokens never reach a message.
 */

export type OpenStackService = 'keystone' | 'barbican' | 'cinder';

export type OpenStackErrorKind =
  /** Keystone refused the credentials, or a service refused a freshly issued token. */
  | 'auth'
  /** A service behind keystonemiddleware could not reach Keystone (503 "The Keystone service is temporarily unavailable."). */
  | 'keystone-unavailable'
  /** HTTP 403: policy does not allow this call for this token. */
  | 'forbidden'
  /** HTTP 404. */
  | 'not-found'
  /** HTTP 406, or the server's microversion range does not include the one Keywatch needs. */
  | 'microversion'
  /** The service catalog has no usable endpoint for a service type / region / interface. */
  | 'catalog'
  /** HTTP 503 other than the Keystone case. */
  | 'unavailable'
  /** HTTP 500 / 502 / 504 and other server-side failures. */
  | 'server'
  /** Any other unexpected HTTP status. */
  | 'http'
  /** Certificate verification or TLS handshake failed. */
  | 'tls'
  /** Connection refused / reset / DNS failure. */
  | 'network'
  /** No complete answer within the configured timeout. */
  | 'timeout'
  /** The body is not JSON where JSON was due (HTML error page, empty body). */
  | 'not-json'
  /** The JSON body ends early. */
  | 'truncated-json'
  /** Valid JSON with an unexpected shape. */
  | 'shape'
  /** The cloud configuration itself is unusable (bad URL, missing field). */
  | 'config';

export interface OpenStackErrorDetails {
  kind: OpenStackErrorKind;
  service: OpenStackService;
  /** host[:port] of the endpoint ('' when there is none, e.g. a catalog error before any call). */
  host: string;
  /** "METHOD /path" of the HTTP call, or what was being looked up. */
  call: string;
  /** The cause, one phrase. */
  cause: string;
  status?: number;
  /** For shape errors: JSON path of the offending value. */
  jsonPath?: string;
}

/** Collapses whitespace and HTML line breaks so every reason stays on one line. */
export function oneLine(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class OpenStackError extends Error {
  readonly kind: OpenStackErrorKind;
  readonly service: OpenStackService;
  readonly host: string;
  readonly call: string;
  readonly causeText: string;
  readonly status?: number;
  readonly jsonPath?: string;

  constructor(details: OpenStackErrorDetails) {
    const cause = oneLine(details.cause).replace(/[.\s]+$/, '');
    const where = details.host ? `${details.service} at ${details.host}` : details.service;
    super(`OpenStack ${where}: ${details.call}: ${cause}.`);
    this.name = 'OpenStackError';
    this.kind = details.kind;
    this.service = details.service;
    this.host = details.host;
    this.call = details.call;
    this.causeText = cause;
    this.status = details.status;
    this.jsonPath = details.jsonPath;
  }

  /** The facts this error was built from, to build a more specific one. */
  get details(): OpenStackErrorDetails {
    return { kind: this.kind, service: this.service, host: this.host, call: this.call, cause: this.causeText, status: this.status, jsonPath: this.jsonPath };
  }
}

export function isOpenStackError(err: unknown, kind?: OpenStackErrorKind): err is OpenStackError {
  return err instanceof OpenStackError && (kind === undefined || err.kind === kind);
}
