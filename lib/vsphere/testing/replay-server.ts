/**
 * Test support: a real HTTPS server on 127.0.0.1 (certificate from a throwaway CA) whose routes
 * replay fixture bodies or misbehave on purpose (HTML, truncated JSON, 401, 503, silence). Used for
 * the bad-input tests; the contract tests run against the lab vCenter instead.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, issueCertificate } from '../../pki/certificates';

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, signed by it. */
function makeTestPki(): { caPem: string; certPem: string; keyPem: string } {
  const ca = createCertificateAuthority({ commonName: 'Keywatch test CA', validDays: 1 });
  const leaf = issueCertificate(ca, { commonName: '127.0.0.1', kind: 'server', sans: ['127.0.0.1', 'localhost'], validDays: 1 });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURE_DIR}${name}`, 'utf8');
}

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type RouteHandler = (req: RecordedRequest, res: ServerResponse) => void;

export interface ReplayServer {
  url: string;
  caPem: string;
  requests: RecordedRequest[];
  /** Routes keyed by "METHOD /path" (path without query), or by "METHOD" + prefix match with a trailing '*'. */
  routes: Map<string, RouteHandler>;
  stop(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' && body.startsWith('raw:') ? body.slice(4) : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

let sharedPki: ReturnType<typeof makeTestPki> | null = null;

export async function startReplayServer(): Promise<ReplayServer> {
  sharedPki ??= makeTestPki();
  const pki = sharedPki;
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, RouteHandler>();
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const rec: RecordedRequest = { method: req.method ?? 'GET', path, url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const exact = routes.get(`${rec.method} ${path}`);
      const prefix = exact ? undefined : [...routes.entries()].find(([k]) => k.endsWith('*') && `${rec.method} ${path}`.startsWith(k.slice(0, -1)))?.[1];
      const handler = exact ?? prefix;
      if (handler) handler(rec, res);
      else sendJson(res, 404, { error_type: 'NOT_FOUND', messages: [{ id: 'test.not_found', default_message: `no route ${rec.method} ${path}`, args: [] }] });
    });
  });
  server.on('connection', (raw) => {
    const s = raw as Socket;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: pki.caPem,
    requests,
    routes,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
