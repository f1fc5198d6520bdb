import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createPrismaClient, type PrismaClient } from '../../db/client';
import { createTestDatabase, type TestDatabase } from '../../db/testing/test-database';
import { createApiToken } from '../api-tokens';
import { skipLazyBootstrapForTests } from '../bootstrap-once';
import type { Role, TokenScope } from '../policy';
import { createSession, CSRF_HEADER, SESSION_COOKIE } from '../sessions';
import { setPrismaFactoryForTests } from '../with-policy';

/**
 * Calls the real route handlers in-process against a real (migrated) PostgreSQL database, the
 * way Next would: a Request plus a context with Promise params.
 */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const ORIGIN = 'http://keywatch.test';

export interface AuthHarness {
  db: TestDatabase;
  prisma: PrismaClient;
  users: Record<Role, { id: string; username: string }>;
  /** A fresh session (cookie + csrf) for a role; fresh each time so logout in one call cannot break the next. */
  session(role: Role): Promise<{ cookie: string; csrf: string }>;
  token(scopes: TokenScope[]): Promise<string>;
  close(): Promise<void>;
}

export async function startAuthHarness(): Promise<AuthHarness> {
  process.env.KEYWATCH_MASTER_KEY ??= randomBytes(32).toString('base64');
  const db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
  const prisma = createPrismaClient(db.url, 4);
  setPrismaFactoryForTests(() => prisma);
  skipLazyBootstrapForTests();
  const users = {} as AuthHarness['users'];
  for (const role of ['viewer', 'oncall', 'manager', 'admin'] as const) {
    const user = await prisma.user.create({ data: { username: `${role}-user`, role, passwordHash: null } });
    users[role] = { id: user.id, username: user.username };
  }
  return {
    db,
    prisma,
    users,
    async session(role) {
      const s = await createSession(prisma, users[role].id, { ttlMs: 3600_000 });
      // The harness's origin is not loopback, so cookies carry the __Host- prefix (lib/auth/cookies.ts).
      return { cookie: `__Host-${SESSION_COOKIE}=${s.cookieValue}`, csrf: s.csrfToken };
    },
    async token(scopes) {
      // Made by the admin user, as tokens are: they live as long as their creator may hold the scopes.
      return (await createApiToken(prisma, { name: `t-${scopes.join('-')}`, scopes, expiresAt: new Date(Date.now() + 86_400_000), createdById: users.admin.id })).value;
    },
    async close() {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'session'; cookie: string; csrf?: string }
  | { kind: 'token'; token: string };

export interface CallOptions {
  method: string;
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  as: Caller;
}

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export function buildRequest(opts: CallOptions): Request {
  const headers: Record<string, string> = { host: new URL(ORIGIN).host, ...opts.headers };
  if (opts.as.kind === 'session') {
    headers.cookie = opts.as.cookie;
    if (opts.as.csrf) headers[CSRF_HEADER] = opts.as.csrf;
  }
  if (opts.as.kind === 'token') headers.authorization = `Bearer ${opts.as.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined || opts.body !== undefined) {
    body = opts.rawBody ?? JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  if (!['GET', 'HEAD'].includes(opts.method)) headers.origin ??= ORIGIN;
  return new Request(`${ORIGIN}${opts.path}`, { method: opts.method, headers, body });
}

/** The route file for a URL pattern, e.g. /api/v1/tokens/[id] → app/api/v1/tokens/[id]/route.ts. */
export async function loadRoute(pattern: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ path.join(REPO_ROOT, 'app', pattern, 'route.ts'))) as Record<string, unknown>;
}

export async function call(opts: CallOptions & { pattern: string }): Promise<Response> {
  const mod = await loadRoute(opts.pattern);
  const handler = mod[opts.method === 'HEAD' ? 'GET' : opts.method] as Handler | undefined;
  if (!handler) throw new Error(`${opts.pattern} has no ${opts.method} handler`);
  return handler(buildRequest(opts), { params: Promise.resolve(opts.params ?? {}) });
}

/** The session a sign-in answer opened: its cookie (`name=value`) and CSRF token, whichever cookie prefix applies. */
export function sessionFrom(res: Response): { cookie: string; csrf: string } {
  const cookies = res.headers.getSetCookie();
  const session = cookies.find((c) => /^(__Host-)?kw_session=/.test(c))!.split(';')[0]!;
  const csrfCookie = cookies.find((c) => /^(__Host-)?kw_csrf=/.test(c))!.split(';')[0]!;
  return { cookie: session, csrf: decodeURIComponent(csrfCookie.slice(csrfCookie.indexOf('=') + 1)) };
}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Every app/api/**\/route.ts as its URL pattern, found by walking the filesystem. */
export function listApiRoutePatterns(root = path.join(REPO_ROOT, 'app/api')): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) {
        const rel = path.relative(path.join(REPO_ROOT, 'app'), dir).split(path.sep);
        // Route groups "(name)" do not appear in URLs.
        out.push(`/${rel.filter((s) => !/^\(.*\)$/.test(s)).join('/')}`);
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Every non-test .ts/.tsx source file under `dirs`; the matrix test looks for 'use server' in them. */
export function listServerActionFiles(dirs = ['app', 'components', 'lib']): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'generated', '.next'].includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) out.push(full);
    }
  };
  for (const d of dirs) walk(path.join(REPO_ROOT, d));
  return out;
}
