/**
 * HTTPS transport to one vCenter: a keep-alive undici Agent (CA bundle, verification always
 * on), a bound on requests in flight, a per-request timeout, and classification of every
 * failure into a VsphereError. Knows nothing about sessions or API shapes.
 */
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { ConcurrencyLimit } from './concurrency-limit';
import { VsphereError, shapeError } from './errors';

export interface TransportOptions {
  baseUrl: string;
  caPem?: string;
  timeoutMs: number;
  maxConcurrency: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path + query, starting with `/`. */
  path: string;
  headers?: Record<string, string>;
  /** Serialised as JSON when present. */
  json?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  contentType: string;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

function errorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(err: unknown): string {
  let cur: unknown = err;
  let msg = err instanceof Error ? err.message : String(err);
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const cause = (cur as { cause?: unknown }).cause;
    if (cause instanceof Error) msg = cause.message;
    cur = cause;
  }
  return msg;
}

export class Transport {
  readonly vcenter: string;
  private readonly origin: string;
  private readonly agent: Agent;
  private readonly limit: ConcurrencyLimit;
  private readonly timeoutMs: number;
  /** Requests sent (including retries), for benchmarks and diagnostics. */
  requestCount = 0;

  constructor(opts: TransportOptions) {
    const url = new URL(opts.baseUrl);
    this.origin = url.origin;
    this.vcenter = url.host;
    this.timeoutMs = opts.timeoutMs;
    this.limit = new ConcurrencyLimit(opts.maxConcurrency);
    this.agent = new Agent({
      connect: {
        ...(opts.caPem ? { ca: opts.caPem } : {}),
        // Always on: there is deliberately no option to turn verification off (trust a CA instead).
        rejectUnauthorized: true,
      },
      connections: opts.maxConcurrency,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  callName(req: Pick<HttpRequest, 'method' | 'path'>): string {
    return `${req.method} ${req.path}`;
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    return this.limit.run(() => this.sendNow(req));
  }

  private async sendNow(req: HttpRequest): Promise<HttpResponse> {
    const call = this.callName(req);
    const fail = (kind: VsphereError['kind'], cause: string, status?: number) =>
      new VsphereError({ kind, vcenter: this.vcenter, call, cause, status });
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    this.requestCount += 1;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.origin}${req.path}`, { method: req.method, headers, body, dispatcher: this.agent, signal });
    } catch (err) {
      throw this.classify(err, fail, signal.aborted, false);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.classify(err, fail, signal.aborted, true, res.statusCode);
    }
    const ct = res.headers['content-type'];
    return { status: res.statusCode, headers: res.headers, text, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '' };
  }

  private classify(
    err: unknown,
    fail: (kind: VsphereError['kind'], cause: string, status?: number) => VsphereError,
    timedOut: boolean,
    duringBody: boolean,
    status?: number,
  ): VsphereError {
    if (err instanceof VsphereError) return err;
    const name = (err as { name?: string })?.name;
    const code = errorCode(err);
    if (timedOut || name === 'TimeoutError' || name === 'HeadersTimeoutError' || name === 'BodyTimeoutError' || name === 'ConnectTimeoutError') {
      return fail('timeout', `no complete response within ${this.timeoutMs} ms`, status);
    }
    if (duringBody) {
      return fail('truncated-json', `the response body ended early (${errorMessage(err)})`, status);
    }
    if (code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
      return fail('tls', `TLS verification failed (${code}: ${errorMessage(err)})`);
    }
    if (code === 'ECONNREFUSED') return fail('network', 'connection refused');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail('network', `host name not found (${code})`);
    return fail('network', `request failed (${code ?? name ?? 'error'}: ${errorMessage(err)})`);
  }

  /**
   * Parses a 2xx JSON body with `schema`. HTML, empty and truncated bodies and unexpected shapes
   * become VsphereErrors. `allowEmpty` maps an empty body to `undefined` before validation.
   */
  parseJson<S extends z.ZodType>(
    req: Pick<HttpRequest, 'method' | 'path'>,
    res: HttpResponse,
    schema: S,
    opts: { allowEmpty?: boolean; showValues?: boolean } = {},
  ): z.output<S> {
    const data = this.decodeJson(req, res, opts.allowEmpty ?? false);
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw shapeError({ vcenter: this.vcenter, call: this.callName(req) }, data, parsed.error, { showValues: opts.showValues });
    }
    return parsed.data;
  }

  /** JSON.parse with classified failures; does not validate the shape. */
  decodeJson(req: Pick<HttpRequest, 'method' | 'path'>, res: HttpResponse, allowEmpty: boolean): unknown {
    const call = this.callName(req);
    const fail = (kind: VsphereError['kind'], cause: string) =>
      new VsphereError({ kind, vcenter: this.vcenter, call, cause, status: res.status });
    const trimmed = res.text.trimStart();
    if (trimmed === '') {
      if (allowEmpty) return undefined;
      throw fail('not-json', `empty response body where JSON was expected (status ${res.status})`);
    }
    if (trimmed.startsWith('<') || /text\/html/i.test(res.contentType)) {
      throw fail('not-json', `answered HTML instead of JSON (status ${res.status}, content-type ${res.contentType || 'none'})`);
    }
    try {
      return JSON.parse(res.text);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (isIncompleteJson(trimmed)) {
        throw fail('truncated-json', `the JSON body is truncated after ${res.text.length} characters`);
      }
      throw fail('not-json', `the body is not valid JSON (${msg.slice(0, 80)})`);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * True when `text` is a prefix of a JSON document that was cut off: an object, array or string is
 * still open at the end. Distinguishes "connection dropped mid-body" from "not JSON at all".
 */
export function isIncompleteJson(text: string): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let sawOpen = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      sawOpen = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      sawOpen = true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
      if (depth < 0) return false;
    }
  }
  return sawOpen && (inString || depth > 0);
}
