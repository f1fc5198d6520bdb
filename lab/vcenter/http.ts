/**
 * Small HTTP plumbing shared by the lab vCenter's route modules: a route answer type, bounded
 * body reading, JSON parsing that turns bad input into one clear sentence, query filters and the
 * session header.
 */
import type { IncomingMessage } from 'node:http';

export interface RouteAnswer {
  status: number;
  /** JSON-serialised unless `text` is set; omitted for 204. */
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequest';
  }
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`Request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; an empty body is `{}` (vim25 methods without parameters). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequest(`Request body is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
}

/** Query parameter values, accepting repeated keys, comma lists and the older `filter.` prefix. */
export function queryValues(url: URL, name: string): string[] {
  const raw = [...url.searchParams.getAll(name), ...url.searchParams.getAll(`filter.${name}`)];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** The `vmware-api-session-id` header (one token; a repeated header is no token). */
export function sessionToken(req: IncomingMessage): string | undefined {
  const header = req.headers['vmware-api-session-id'];
  return typeof header === 'string' ? header : undefined;
}
