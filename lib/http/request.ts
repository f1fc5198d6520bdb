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
