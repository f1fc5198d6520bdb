import type { Permission, Policy } from './policy';

/**
 * THE registry: every route under app/api and every server action declares its policy here,
 * and nowhere else. `withPolicy` looks the request up in this table; a route missing from it
 * answers 500 (fail closed) and fails lib/auth/route-matrix.test.ts.
 * Patterns use the app router's folder syntax, so a route file maps to its entry literally.
 * Routes of later issues are declared ahead of time so they inherit enforcement.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RoutePolicy {
  pattern: string;
  methods: Partial<Record<HttpMethod, Policy>>;
}

const PUBLIC: Policy = { public: true };
const need = (permission: Permission): Policy => ({ permission });
/**
 * Dangerous for a session: needs a sign-in or password re-entry within the last 5 minutes
 * (policy.ts STEP_UP_MAX_AGE_MS). Admin writes, token creation, host actions and gate overrides use
 * it. Bearer tokens with the permission are not asked (they cannot re-enter anything).
 */
const recent = (permission: Permission): Policy => ({ permission, requireRecentAuth: true });

export const ROUTE_POLICIES: readonly RoutePolicy[] = [
  // Public: liveness and the sign-in flow itself.
  { pattern: '/api/health', methods: { GET: PUBLIC } },
  { pattern: '/api/auth/login', methods: { POST: PUBLIC } },
  { pattern: '/api/auth/logout', methods: { POST: PUBLIC } },
  { pattern: '/api/auth/session', methods: { GET: PUBLIC } },
  { pattern: '/api/auth/setup', methods: { POST: PUBLIC } },
  { pattern: '/api/auth/demo', methods: { POST: PUBLIC } },
  { pattern: '/api/auth/oidc/login', methods: { GET: PUBLIC } },
  { pattern: '/api/auth/oidc/callback', methods: { GET: PUBLIC } },
  // One's own account: step-up re-entry, password change, second factor. People only (no token scope has 'account').
  { pattern: '/api/auth/reauth', methods: { POST: need('account') } },
  { pattern: '/api/auth/password', methods: { POST: need('account') } },
  { pattern: '/api/auth/totp', methods: { GET: need('account'), POST: recent('account'), DELETE: recent('account') } },
  { pattern: '/api/auth/totp/confirm', methods: { POST: need('account') } },
  { pattern: '/api/auth/totp/recovery-codes', methods: { POST: recent('account') } },

  // Administration (this issue).
  { pattern: '/api/v1/users', methods: { GET: need('admin'), POST: recent('admin') } },
  { pattern: '/api/v1/users/[id]', methods: { PATCH: recent('admin'), DELETE: recent('admin') } },
  { pattern: '/api/v1/users/[id]/totp', methods: { DELETE: recent('admin') } },
  { pattern: '/api/v1/tokens', methods: { GET: need('admin'), POST: recent('admin') } },
  { pattern: '/api/v1/tokens/[id]', methods: { DELETE: recent('admin') } },
  { pattern: '/api/v1/targets/vcenters', methods: { GET: need('admin'), POST: recent('admin') } },
  { pattern: '/api/v1/targets/vcenters/[id]', methods: { GET: need('admin'), PATCH: recent('admin'), DELETE: recent('admin') } },
  { pattern: '/api/v1/targets/vcenters/[id]/test', methods: { POST: recent('admin') } },
  { pattern: '/api/v1/targets/kms-providers', methods: { GET: need('admin'), POST: recent('admin') } },
  { pattern: '/api/v1/targets/kms-providers/[id]', methods: { GET: need('admin'), PATCH: recent('admin'), DELETE: recent('admin') } },
  { pattern: '/api/v1/targets/kms-providers/[id]/test', methods: { POST: recent('admin') } },
  { pattern: '/api/v1/targets/kms-providers/[id]/csr', methods: { POST: recent('admin') } },
  { pattern: '/api/v1/targets/openstack', methods: { GET: need('admin'), POST: recent('admin') } },
  { pattern: '/api/v1/targets/openstack/[id]', methods: { GET: need('admin'), PATCH: recent('admin'), DELETE: recent('admin') } },
  { pattern: '/api/v1/targets/openstack/[id]/test', methods: { POST: recent('admin') } },
  { pattern: '/api/v1/audit', methods: { GET: need('audit.read') } },

  // Later issues: hosts, readiness gate, actions.
  { pattern: '/api/v1/hosts', methods: { GET: need('read') } },
  { pattern: '/api/v1/hosts/[id]', methods: { GET: need('read') } },
  { pattern: '/api/v1/hosts/[id]/readiness', methods: { GET: need('gate') } },
  { pattern: '/api/v1/hosts/[id]/actions', methods: { POST: recent('actions') } },
  { pattern: '/api/v1/hosts/[id]/unlock-vms', methods: { POST: need('vms.unlock') } },
  { pattern: '/api/v1/vms/[id]/actions', methods: { POST: need('vms.unlock') } },
  { pattern: '/api/v1/hosts/[id]/actions/[actionId]', methods: { GET: need('read') } },
  { pattern: '/api/v1/clusters', methods: { GET: need('read') } },
  { pattern: '/api/v1/clusters/[id]', methods: { GET: need('read') } },
  { pattern: '/api/v1/clusters/[id]/rolling-plan', methods: { GET: need('gate') } },
  { pattern: '/api/v1/overview', methods: { GET: need('read') } },
  // Alerts.
  { pattern: '/api/v1/alerts', methods: { GET: need('read') } },
  { pattern: '/api/v1/alerts/[id]', methods: { GET: need('read') } },
  { pattern: '/api/v1/alerts/[id]/ack', methods: { POST: need('alerts.ack') } },
  // Key providers (observed state, not targets).
  { pattern: '/api/v1/key-providers', methods: { GET: need('read') } },
  { pattern: '/api/v1/key-providers/[id]', methods: { GET: need('read') } },
  // OpenStack clouds (observed state): Barbican health, encrypted volumes' keys, the fixed_key verdict.
  { pattern: '/api/v1/openstack', methods: { GET: need('read') } },
  { pattern: '/api/v1/openstack/[id]', methods: { GET: need('read') } },
  { pattern: '/api/v1/openstack/[id]/fixed-key-removal', methods: { GET: need('gate') } },
  // Campaigns: rekeys and key-provider moves, step by step.
  { pattern: '/api/v1/campaigns', methods: { GET: need('campaigns.read'), POST: need('campaigns.write') } },
  { pattern: '/api/v1/campaigns/[id]', methods: { GET: need('campaigns.read'), PATCH: need('campaigns.write') } },
  { pattern: '/api/v1/campaigns/[id]/items', methods: { GET: need('campaigns.read') } },
  { pattern: '/api/v1/campaigns/[id]/export', methods: { GET: need('campaigns.read') } },
  { pattern: '/api/v1/campaigns/[id]/preflight', methods: { GET: need('campaigns.read') } },
  // start | pause | resume | retry | remediate
  { pattern: '/api/v1/campaigns/[id]/[action]', methods: { POST: need('campaigns.write') } },
  // Chart series and webhooks (poller, issue 10).
  { pattern: '/api/v1/history/[series]', methods: { GET: need('read') } },
  { pattern: '/api/v1/history/certificates', methods: { GET: need('read') } },
  { pattern: '/api/v1/history/host-alerts', methods: { GET: need('read') } },
  // The overview and the blast radius (dashboard, issue 12): stored data only, nothing touched.
  { pattern: '/api/v1/overview', methods: { GET: need('read') } },
  { pattern: '/api/v1/blast-radius', methods: { GET: need('read') } },
  { pattern: '/api/v1/webhooks', methods: { GET: need('admin'), POST: need('admin') } },
  { pattern: '/api/v1/webhooks/[id]', methods: { GET: need('admin'), PATCH: need('admin'), DELETE: need('admin') } },
  { pattern: '/api/v1/webhooks/[id]/deliveries', methods: { GET: need('admin') } },
  { pattern: '/api/v1/webhooks/[id]/deliveries/[deliveryId]/retry', methods: { POST: need('admin') } },
  { pattern: '/api/v1/webhooks/[id]/test', methods: { POST: need('admin') } },
  // Prometheus scraping.
  { pattern: '/api/metrics', methods: { GET: need('read') } },
  // The Lab page (lab mode only; 404 otherwise): the simulated estate's ground truth and fault knobs.
  { pattern: '/api/v1/lab/state', methods: { GET: need('admin') } },
  { pattern: '/api/v1/lab/faults', methods: { POST: need('admin') } },
];

/**
 * Server actions ('use server' exports), keyed "<file relative to repo>#<export>". Keywatch's
 * UI calls the REST routes instead, so this is empty today; the matrix test fails for any
 * server action not listed here, and `authorizeServerAction` enforces the entry.
 */
export const SERVER_ACTION_POLICIES: Readonly<Record<string, Policy>> = {};

interface CompiledRoute {
  entry: RoutePolicy;
  regex: RegExp;
  staticSegments: number;
}

function compile(entry: RoutePolicy): CompiledRoute {
  const segments = entry.pattern.split('/').filter(Boolean);
  const parts = segments.map((segment) => {
    if (/^\[\[\.\.\.[^\]]+\]\]$/.test(segment)) return '(?:/.*)?';
    if (/^\[\.\.\.[^\]]+\]$/.test(segment)) return '/.+';
    if (/^\[[^\]]+\]$/.test(segment)) return '/[^/]+';
    return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  });
  return { entry, regex: new RegExp(`^${parts.join('')}/?$`), staticSegments: segments.filter((s) => !s.startsWith('[')).length };
}

const COMPILED = ROUTE_POLICIES.map(compile);

/** The policy for a request path + method, the most specific pattern winning; undefined = undeclared. */
export function findRoutePolicy(pathname: string, method: string): { pattern: string; policy: Policy } | undefined {
  const verb = (method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()) as HttpMethod;
  const matches = COMPILED.filter((c) => c.regex.test(pathname)).sort((a, b) => b.staticSegments - a.staticSegments);
  const best = matches[0];
  if (!best) return undefined;
  const policy = best.entry.methods[verb];
  return policy ? { pattern: best.entry.pattern, policy } : undefined;
}

/** The entry for a route file's pattern exactly (used by the matrix test). */
export function routePolicyForPattern(pattern: string): RoutePolicy | undefined {
  return ROUTE_POLICIES.find((r) => r.pattern === pattern);
}
