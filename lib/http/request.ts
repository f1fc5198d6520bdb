// Reading a request: JSON body, query and path parameters (each validated with zod), client address.
import { z } from 'zod';
import { HttpError } from './errors';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Field errors keyed by dotted path ("nodes.0.port"), "" for the body itself. */
function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** PostgreSQL text cannot hold NUL, and no field of ours has a use for it: refused at the edge. */
function findNul(value: unknown, at: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const where = findNul(inner, at ? `${at}.${key}` : key, depth + 1) ?? (key.includes('\u0000') ? at : undefined);
    if (where !== undefined) return where;
  }
  return undefined;
}

function refuseNul(value: unknown, what: string): void {
  const at = findNul(value, '');
  if (at !== undefined) throw new HttpError(400, `The ${what} contains a NUL character.`, { fieldErrors: { [at]: ['must not contain NUL characters'] } });
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
  refuseNul(data, 'request body');
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HttpError(400, 'The request body is invalid.', { fieldErrors: fieldErrors(parsed.error) });
  return parsed.data;
}

/** Validates query parameters the same way (400 with field errors). */
export function readQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const params = Object.fromEntries(new URL(request.url).searchParams.entries());
  refuseNul(params, 'query');
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new HttpError(400, 'The query parameters are invalid.', { fieldErrors: fieldErrors(parsed.error) });
  return parsed.data;
}

/** The `[id]` segment of the routes that address one row: our ids are cuids and UUIDs. */
export const idParams = z.object({ id: z.string().min(1).max(100).regex(/^[\w-]+$/, 'is not an id') });

/** Route parameters from Next's context, validated. */
export async function readParams<S extends z.ZodType>(context: { params?: Promise<unknown> | unknown }, schema: S): Promise<z.infer<S>> {
  const raw = await context.params;
  refuseNul(raw, 'path');
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, 'The path parameters are invalid.', { fieldErrors: fieldErrors(parsed.error) });
  return parsed.data;
}

/**
 * The client's address. Keywatch's web server (lib/http/web-server.ts) replaces X-Forwarded-For
 * with the one address it resolved from the socket peer and KEYWATCH_TRUSTED_PROXIES, so this
 * reads a value the client could not choose. Should several entries arrive anyway, the nearest
 * (right-most) is taken, never the client-chosen left-most.
 */
export function clientIp(request: Request): string {
  const forwarded = request.headers.get('x-forwarded-for');
  const nearest = forwarded?.split(',').pop()?.trim();
  return nearest ? nearest.slice(0, 100) : 'unknown';
}
