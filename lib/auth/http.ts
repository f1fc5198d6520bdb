import { z } from 'zod';

/** Errors a handler throws to answer with a status; withPolicy turns them into JSON responses. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jsonResponse(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...init.headers },
  });
}

export function errorResponse(error: HttpError): Response {
  return jsonResponse({ error: error.message, ...error.extra }, { status: error.status, headers: error.headers });
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Field errors keyed by dotted path ("nodes.0.port"), "" for the body itself. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * Reads and validates a JSON body: 413 past maxBytes (declared or streamed), 415 when not JSON,
 * 400 with field errors when the schema rejects it.
 */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<z.infer<S>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, `The request body is larger than ${maxBytes} bytes.`);
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'Send the request body as application/json.');
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new HttpError(413, `The request body is larger than ${maxBytes} bytes.`);
      }
      chunks.push(value);
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HttpError(400, 'The request body is invalid.', { fieldErrors: fieldErrors(parsed.error) });
  return parsed.data;
}

/** Validates query parameters the same way (400 with field errors). */
export function readQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params = Object.fromEntries(new URL(request.url).searchParams.entries());
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new HttpError(400, 'The query parameters are invalid.', { fieldErrors: fieldErrors(parsed.error) });
  return parsed.data;
}

/** The `[id]` segment of the routes that address one row. */
export const idParams = z.object({ id: z.string().min(1).max(100) });

/** Route parameters from Next's context, validated. */
export async function readParams<S extends z.ZodType>(context: { params?: Promise<unknown> | unknown }, schema: S): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await context.params);
  if (!parsed.success) throw new HttpError(400, 'The path parameters are invalid.', { fieldErrors: fieldErrors(parsed.error) });
  return parsed.data;
}

export function clientIp(request: Request): string {
  const forwarded = request.headers.get('x-forwarded-for');
  if (forwarded) return forwarded.split(',')[0]!.trim() || 'unknown';
  return request.headers.get('x-real-ip') ?? 'local';
}

const DOMAIN_STATUS: Record<string, number> = { 'not-found': 404, conflict: 409, managed: 409, 'last-admin': 409, invalid: 400 };

/**
 * Domain modules throw errors with a `code` (TargetError, UserError...); this maps them to HTTP
 * so each route does not repeat the table. `field` becomes a field error.
 */
export function domainErrorToHttp(error: unknown): HttpError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, field } = error as Error & { code?: unknown; field?: unknown };
  if (typeof code !== 'string' || !(code in DOMAIN_STATUS) || !/(Target|User|Alert|Query)Error$/.test(error.name)) return undefined;
  const extra = typeof field === 'string' ? { fieldErrors: { [field]: [error.message] } } : {};
  return new HttpError(DOMAIN_STATUS[code]!, error.message, extra);
}
