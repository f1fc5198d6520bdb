import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, rolesAllowed, SCOPE_PERMISSIONS, TOKEN_SCOPES, type Role, type TokenScope } from './policy';
import { findRoutePolicy, ROUTE_POLICIES, routePolicyForPattern, SERVER_ACTION_POLICIES, type HttpMethod } from './route-policy';
import { call, HTTP_METHODS, listApiRoutePatterns, listServerActionFiles, loadRoute, REPO_ROOT, startAuthHarness, type AuthHarness } from './testing/harness';
import { withPolicy } from './with-policy';

/**
 * The access matrix: every route file under app/api (found on disk, not from a list), every
 * exported method, called for real against PostgreSQL as anonymous, as each role and as each
 * token scope. Undeclared routes fail here.
 */
const SAMPLE_PARAMS: Record<string, string> = { id: 'no-such-id', action: 'pause' };

function paramsOf(pattern: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of pattern.matchAll(/\[(?:\.\.\.)?([^\]]+)\]/g)) params[m[1]!] = SAMPLE_PARAMS[m[1]!] ?? 'x';
  return params;
}

function concretePath(pattern: string): string {
  return pattern.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? 'x');
}

const routes = listApiRoutePatterns();

describe('route policy matrix (real handlers, real database)', () => {
  let h: AuthHarness;
  const sessions = new Map<Role, { cookie: string; csrf: string }>();
  const tokens = new Map<TokenScope, string>();
  // Reused across routes to keep the matrix fast; sign-out routes get a fresh session each time.
  const sessionFor = async (role: Role, pattern: string) => {
    if (pattern.endsWith('/logout')) return h.session(role);
    if (!sessions.has(role)) sessions.set(role, await h.session(role));
    return sessions.get(role)!;
  };
  const tokenFor = async (scope: TokenScope) => {
    if (!tokens.has(scope)) tokens.set(scope, await h.token([scope]));
    return tokens.get(scope)!;
  };
  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds the route files on disk, including the ones this issue adds', () => {
    expect(routes).toContain('/api/health');
    expect(routes).toContain('/api/v1/audit');
    expect(routes).toContain('/api/v1/targets/kms-providers/[id]/csr');
  });

  it('every declared route has a route file exporting each declared method (the registry promises nothing unbuilt)', async () => {
    const promised: string[] = [];
    for (const entry of ROUTE_POLICIES) {
      if (!routes.includes(entry.pattern)) {
        promised.push(`${entry.pattern} (no route file)`);
        continue;
      }
      const mod = await loadRoute(entry.pattern);
      for (const method of Object.keys(entry.methods)) if (typeof mod[method] !== 'function') promised.push(`${method} ${entry.pattern}`);
    }
    expect(promised).toEqual([]);
  });

  for (const pattern of routes) {
    it(`${pattern}: every exported method has a declared policy and it is enforced`, async () => {
      const mod = await loadRoute(pattern);
      const methods = HTTP_METHODS.filter((m) => typeof mod[m] === 'function');
      expect(methods.length, `${pattern} exports no handler`).toBeGreaterThan(0);
      const entry = routePolicyForPattern(pattern);
      expect(entry, `${pattern} is not declared in lib/auth/route-policy.ts`).toBeDefined();
      for (const method of methods) {
        const policy = entry!.methods[method as HttpMethod];
        expect(policy, `${method} ${pattern} has no declared policy`).toBeDefined();
        // The registry lookup by concrete URL must land on this very entry.
        expect(findRoutePolicy(concretePath(pattern), method)?.pattern, `${method} ${concretePath(pattern)}`).toBe(pattern);
        const base = { pattern, method, path: concretePath(pattern), params: paramsOf(pattern), ...(method !== 'GET' && { body: {} }) };

        const anonymous = await call({ ...base, as: { kind: 'anonymous' } });
        if (policy!.public) {
          expect([401, 403], `anonymous ${method} ${pattern} is public`).not.toContain(anonymous.status);
          continue;
        }
        expect(anonymous.status, `anonymous ${method} ${pattern}`).toBe(401);
        const allowed = new Set(rolesAllowed(policy!.permission));
        for (const role of ROLES) {
          const s = await sessionFor(role, pattern);
          const res = await call({ ...base, as: { kind: 'session', cookie: s.cookie, csrf: s.csrf } });
          if (allowed.has(role)) expect([401, 403], `${role} ${method} ${pattern} should be allowed`).not.toContain(res.status);
          else expect(res.status, `${role} ${method} ${pattern} should be forbidden`).toBe(403);
        }
        for (const scope of TOKEN_SCOPES) {
          const token = await tokenFor(scope);
          const res = await call({ ...base, as: { kind: 'token', token } });
          const ok = SCOPE_PERMISSIONS[scope].includes(policy!.permission);
          if (ok) expect([401, 403], `token[${scope}] ${method} ${pattern} should be allowed`).not.toContain(res.status);
          else expect(res.status, `token[${scope}] ${method} ${pattern} should be forbidden`).toBe(403);
        }
        if (method !== 'GET') {
          // Cookie-authenticated mutation without the CSRF header: refused even for an admin.
          const s = await sessionFor('admin', pattern);
          const res = await call({ ...base, as: { kind: 'session', cookie: s.cookie } });
          expect(res.status, `admin ${method} ${pattern} without CSRF`).toBe(403);
          const crossSite = await call({ ...base, headers: { origin: 'https://evil.example' }, as: { kind: 'session', cookie: s.cookie, csrf: s.csrf } });
          expect(crossSite.status, `admin ${method} ${pattern} from another origin`).toBe(403);
        }
      }
    });
  }

  it('every server action is declared (none exist today; a new one without a policy fails here)', () => {
    const undeclared: string[] = [];
    for (const file of listServerActionFiles()) {
      const text = readFileSync(file, 'utf8');
      if (!/^\s*['"]use server['"]/m.test(text)) continue;
      const rel = path.relative(REPO_ROOT, file);
      const topLevel = /^(?:\s*\/\/.*\n|\s*\/\*[\s\S]*?\*\/\s*)*\s*['"]use server['"]/.test(text);
      const names = topLevel ? [...text.matchAll(/export\s+(?:async\s+)?(?:function|const)\s+(\w+)/g)].map((m) => m[1]!) : ['*'];
      for (const name of names) if (!SERVER_ACTION_POLICIES[`${rel}#${name}`]) undeclared.push(`${rel}#${name}`);
    }
    expect(undeclared).toEqual([]);
  });

  it('an undeclared route is refused by withPolicy (fail closed), whoever calls', async () => {
    expect(findRoutePolicy('/api/v1/not-declared', 'GET')).toBeUndefined();
    expect(findRoutePolicy('/api/v1/tokens', 'PUT')).toBeUndefined();
    const handler = withPolicy(() => new Response('should not run'));
    const token = await h.token(['admin']);
    const res = await handler(new Request('http://keywatch.test/api/v1/not-declared', { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('should not run');
  });
});

/** The role rules, written out independently of the permission tables they test. */
describe('role rules from the issue', () => {
  const expectRoles = (pattern: string, method: HttpMethod, roles: Role[], scopes: TokenScope[]) => {
    const declared = findRoutePolicy(pattern.replace(/\[id\]/g, 'x'), method);
    expect(declared, `${method} ${pattern}`).toBeDefined();
    const policy = declared!.policy;
    expect(policy.public, `${method} ${pattern} must not be public`).toBeFalsy();
    if (policy.public) return;
    expect(rolesAllowed(policy.permission).sort(), `${method} ${pattern} roles`).toEqual([...roles].sort());
    const scopesAllowed = TOKEN_SCOPES.filter((scope) => SCOPE_PERMISSIONS[scope].includes(policy.permission));
    expect(scopesAllowed.sort(), `${method} ${pattern} token scopes`).toEqual([...scopes].sort());
  };
  it('viewer reads; oncall also acknowledges; manager also reads/exports campaigns; admin does everything', () => {
    expectRoles('/api/v1/hosts', 'GET', ['viewer', 'oncall', 'manager', 'admin'], ['read', 'gate', 'actions', 'admin']);
    expectRoles('/api/v1/alerts', 'GET', ['viewer', 'oncall', 'manager', 'admin'], ['read', 'gate', 'actions', 'admin']);
    expectRoles('/api/v1/key-providers', 'GET', ['viewer', 'oncall', 'manager', 'admin'], ['read', 'gate', 'actions', 'admin']);
    expectRoles('/api/v1/hosts/[id]/readiness', 'GET', ['viewer', 'oncall', 'manager', 'admin'], ['gate', 'actions', 'admin']);
    expectRoles('/api/v1/alerts/[id]/ack', 'POST', ['oncall', 'admin'], ['actions', 'admin']);
    expectRoles('/api/v1/campaigns', 'GET', ['manager', 'admin'], ['read', 'admin']);
    expectRoles('/api/v1/campaigns/[id]/export', 'GET', ['manager', 'admin'], ['read', 'admin']);
    expectRoles('/api/v1/campaigns', 'POST', ['admin'], ['actions', 'admin']);
    expectRoles('/api/v1/hosts/[id]/actions', 'POST', ['admin'], ['actions', 'admin']);
    expectRoles('/api/v1/audit', 'GET', ['manager', 'admin'], ['read', 'admin']);
    expectRoles('/api/v1/targets/vcenters', 'POST', ['admin'], ['admin']);
    expectRoles('/api/v1/tokens', 'POST', ['admin'], ['admin']);
    expectRoles('/api/v1/users', 'POST', ['admin'], ['admin']);
  });
  it('/api/health stays public', () => {
    expect(findRoutePolicy('/api/health', 'GET')?.policy.public).toBe(true);
  });
});
