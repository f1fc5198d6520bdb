/**
 * One error type for everything that can go wrong talking to a vCenter. The message is one plain
 * sentence naming the vCenter, the call (method + path) and the cause; the fields carry the same
 * facts for programs. Passwords and session tokens never reach a message.
 */
import type { z } from 'zod';

export type VsphereErrorKind =
  /** Wrong user name / password, or the session could not be renewed. */
  | 'auth'
  /** Certificate verification or TLS handshake failed. */
  | 'tls'
  /** Connection refused / reset / DNS failure. */
  | 'network'
  /** No complete answer within the configured timeout. */
  | 'timeout'
  /** Non-2xx status without a more specific meaning (includes 503). */
  | 'http'
  /** The body is not JSON (HTML login page, proxy error page, empty body where JSON was due). */
  | 'not-json'
  /** The JSON body ends early. */
  | 'truncated-json'
  /** Valid JSON with an unexpected shape or an unknown enum value. */
  | 'shape'
  /** A vim25 fault other than authentication (InvalidArgument, InvalidState, ...). */
  | 'fault'
  /** A task finished in state error. */
  | 'task-failed'
  /** A task did not finish before its deadline. */
  | 'task-timeout'
  /** The server and client share no API release. */
  | 'release';

export interface VsphereErrorDetails {
  kind: VsphereErrorKind;
  /** host[:port] of the vCenter. */
  vcenter: string;
  /** "METHOD /path" of the HTTP call, or "task task-12 (descriptionId)" for task errors. */
  call: string;
  /** The cause, one phrase without trailing period. */
  cause: string;
  status?: number;
  /** For shape errors: JSON path of the offending value, e.g. `$[3].connection_state`. */
  jsonPath?: string;
  /** For shape errors: the field name (last path segment). */
  field?: string;
  /** For faults: the vim25 fault type (`_typeName`). */
  faultType?: string;
  /** For task errors: the task's managed object id. */
  taskId?: string;
}

export class VsphereError extends Error {
  readonly kind: VsphereErrorKind;
  readonly vcenter: string;
  readonly call: string;
  readonly causeText: string;
  readonly status?: number;
  readonly jsonPath?: string;
  readonly field?: string;
  readonly faultType?: string;
  readonly taskId?: string;

  constructor(details: VsphereErrorDetails) {
    super(`vCenter ${details.vcenter}: ${details.call}: ${details.cause.replace(/[.\s]+$/, '')}.`);
    this.name = 'VsphereError';
    this.kind = details.kind;
    this.vcenter = details.vcenter;
    this.call = details.call;
    this.causeText = details.cause;
    this.status = details.status;
    this.jsonPath = details.jsonPath;
    this.field = details.field;
    this.faultType = details.faultType;
    this.taskId = details.taskId;
  }
}

export function isVsphereError(err: unknown, kind?: VsphereErrorKind): err is VsphereError {
  return err instanceof VsphereError && (kind === undefined || err.kind === kind);
}

/** `$[3].connection_state` style path from zod's issue path, appended to a base path. */
export function formatJsonPath(base: string, path: readonly PropertyKey[]): string {
  let out = base;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  const json = JSON.stringify(v);
  if (json === undefined) return typeof v;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * Turns the first zod issue into a shape error. `showValues` is false for calls whose bodies may
 * carry secrets (session creation, login), so the offending value is not echoed.
 */
export function shapeError(
  base: { vcenter: string; call: string },
  data: unknown,
  error: z.ZodError,
  opts: { basePath?: string; showValues?: boolean } = {},
): VsphereError {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  const jsonPath = formatJsonPath(opts.basePath ?? '$', path);
  const lastKey = [...path].reverse().find((seg) => typeof seg === 'string');
  const field = typeof lastKey === 'string' ? lastKey : undefined;
  const received = valueAt(data, path);
  let what: string;
  if (received === undefined) {
    what = `required field is missing (${issue?.message ?? 'invalid'})`;
  } else if (issue?.code === 'invalid_value' && 'values' in issue) {
    const values = issue.values as unknown[];
    const allowed = values.map((v) => JSON.stringify(v)).join(', ');
    const label = values.length === 1 ? 'unexpected value' : 'unknown enum value';
    const expected = values.length === 1 ? `expected ${allowed}` : `expected one of ${allowed}`;
    what = opts.showValues === false ? `${label} (${expected})` : `${label} ${describeValue(received)} (${expected})`;
  } else {
    what = opts.showValues === false ? (issue?.message ?? 'invalid value') : `${issue?.message ?? 'invalid value'}, got ${describeValue(received)}`;
  }
  return new VsphereError({
    kind: 'shape',
    vcenter: base.vcenter,
    call: base.call,
    cause: `unexpected response shape at ${jsonPath}: ${what}`,
    jsonPath,
    field,
  });
}
