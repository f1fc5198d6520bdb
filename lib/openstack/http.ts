/**
 * HTTPS to the endpoints of one cloud. Keystone, Barbican and Cinder usually live on different
 * origins, so this keeps one keep-alive transport per origin (lib/vsphere/transport: CA bundle,
 * bounded concurrency, timeouts, failure classification) with TLS verification always on, and turns
 * every failure — transport, status or body — into one OpenStackError.
 */
import type { z } from 'zod';
import { VsphereError } from '@/lib/vsphere/errors';
import { Transport, type HttpResponse } from '@/lib/vsphere/transport';
import { OpenStackError, oneLine, type OpenStackErrorKind, type OpenStackService } from './errors';
import { BarbicanErrorBodySchema, CinderFaultBodySchema, KeystoneErrorBodySchema, WebobErrorBodySchema } from './schemas';

export type { HttpResponse };

export interface OpenStackRequest {
  service: OpenStackService;
  method: 'GET' | 'POST' | 'DELETE';
  /** Absolute https:// URL. */
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
}

export interface OpenStackHttpOptions {
  /** PEM bundle of CAs to trust instead of the system store. */
  caPem?: string;
  timeoutMs: number;
  /** Requests in flight per origin. */
  maxConcurrency: number;
}

const KEYSTONE_UNAVAILABLE = /keystone service is temporarily unavailable/i;

function kindOfTransportError(err: VsphereError): OpenStackErrorKind {
  switch (err.kind) {
    case 'tls':
    case 'network':
    case 'timeout':
    case 'not-json':
    case 'truncated-json':
    case 'shape':
      return err.kind;
    default:
      return 'http';
  }
}

/** The human part of an OpenStack error body, whichever service wrote it. */
export function errorBodyMessage(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    // Short plain-text bodies (healthcheck, proxies) are worth quoting; HTML pages are not.
    return trimmed && !trimmed.startsWith('<') && trimmed.length <= 200 ? oneLine(trimmed) : undefined;
  }
  const keystone = KeystoneErrorBodySchema.safeParse(body);
  if (keystone.success) return keystone.data.error.message ?? keystone.data.error.title;
  const barbican = BarbicanErrorBodySchema.safeParse(body);
  if (barbican.success) return barbican.data.description;
  const webob = WebobErrorBodySchema.safeParse(body);
  if (webob.success) return webob.data.message;
  const fault = CinderFaultBodySchema.safeParse(body);
  if (fault.success) {
    const first = Object.values(fault.data)[0];
    if (first) return first.message;
  }
  return undefined;
}

export function statusKind(status: number, message: string | undefined): OpenStackErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 406) return 'microversion';
  if (status === 503 && message && KEYSTONE_UNAVAILABLE.test(message)) return 'keystone-unavailable';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'server';
  return 'http';
}

export class OpenStackHttp {
  private readonly transports = new Map<string, Transport>();
  /** Requests sent per service (for benchmarks and the poll's figures). */
  readonly requestCounts: Record<OpenStackService, number> = { keystone: 0, barbican: 0, cinder: 0 };

  constructor(private readonly options: OpenStackHttpOptions) {}

  private transportFor(url: URL): Transport {
    let transport = this.transports.get(url.origin);
    if (!transport) {
      transport = new Transport({
        baseUrl: url.origin,
        caPem: this.options.caPem,
        rejectUnauthorized: true,
        timeoutMs: this.options.timeoutMs,
        maxConcurrency: this.options.maxConcurrency,
      });
      this.transports.set(url.origin, transport);
    }
    return transport;
  }

  callName(req: Pick<OpenStackRequest, 'method' | 'url'>): string {
    const url = new URL(req.url);
    return `${req.method} ${url.pathname}${url.search}`;
  }

  private translate(req: OpenStackRequest, err: unknown): unknown {
    if (!(err instanceof VsphereError)) return err;
    return new OpenStackError({
      kind: kindOfTransportError(err),
      service: req.service,
      host: new URL(req.url).host,
      call: this.callName(req),
      cause: err.causeText,
      status: err.status,
      jsonPath: err.jsonPath,
    });
  }

  async send(req: OpenStackRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    if (url.protocol !== 'https:') {
      throw new OpenStackError({ kind: 'config', service: req.service, host: url.host, call: this.callName(req), cause: 'only https:// endpoints are used (TLS verification cannot be turned off)' });
    }
    this.requestCounts[req.service] += 1;
    try {
      return await this.transportFor(url).send({ method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers, json: req.json });
    } catch (err) {
      throw this.translate(req, err);
    }
  }

  /** The OpenStackError for a non-2xx answer, quoting the service's own error message. */
  statusError(req: OpenStackRequest, res: HttpResponse): OpenStackError {
    const message = errorBodyMessage(res.text);
    const kind = statusKind(res.status, message);
    const label = kind === 'keystone-unavailable' || kind === 'unavailable' ? `service unavailable (HTTP ${res.status})` : `HTTP ${res.status}`;
    return new OpenStackError({
      kind,
      service: req.service,
      host: new URL(req.url).host,
      call: this.callName(req),
      cause: message ? `${label}: ${message}` : label,
      status: res.status,
    });
  }

  /** Parses a successful JSON answer with `schema`; any other status becomes a statusError. */
  parse<S extends z.ZodType>(req: OpenStackRequest, res: HttpResponse, schema: S, okStatuses: readonly number[] = [200]): z.output<S> {
    if (!okStatuses.includes(res.status)) throw this.statusError(req, res);
    const url = new URL(req.url);
    try {
      return this.transportFor(url).parseJson({ method: req.method, path: `${url.pathname}${url.search}` }, res, schema);
    } catch (err) {
      throw this.translate(req, err);
    }
  }

  async close(): Promise<void> {
    const all = [...this.transports.values()];
    this.transports.clear();
    await Promise.all(all.map((t) => t.close()));
  }
}
