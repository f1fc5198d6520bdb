/**
 * Who may do what. A route or server action declares a Policy; `isAllowed` decides for a
 * signed-in user (by role) or an API token (by scope). Roles are not a ladder: oncall and
 * manager are siblings above viewer, admin holds everything.
 */
export const ROLES = ['viewer', 'oncall', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_SCOPES = ['read', 'gate', 'actions', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export type Permission =
  | 'read' // dashboards, hosts, alerts, key providers, readiness, metrics
  | 'gate' // run a fresh readiness check (GET hosts/{id}/readiness, rolling plans)
  | 'alerts.ack'
  | 'campaigns.read' // campaigns (rekeys, key-provider moves), progress and export
  | 'campaigns.write'
  | 'actions' // maintenance / reboot, overrides
  | 'vms.unlock' // recovery after a KMS outage: unlock locked VMs (CryptoUnlock_Task)
  | 'audit.read'
  | 'admin' // users, tokens, targets
  | 'account'; // one's own password and second factor: people only, never a token

/** Roles granted each permission. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read', 'gate', 'account'],
  oncall: ['read', 'gate', 'alerts.ack', 'vms.unlock', 'account'],
  manager: ['read', 'gate', 'campaigns.read', 'audit.read', 'account'],
  admin: ['read', 'gate', 'alerts.ack', 'vms.unlock', 'campaigns.read', 'campaigns.write', 'actions', 'audit.read', 'admin', 'account'],
};

/** Token scopes granting each permission; the admin scope grants everything. */
export const SCOPE_PERMISSIONS: Record<TokenScope, readonly Permission[]> = {
  read: ['read', 'campaigns.read', 'audit.read'],
  gate: ['read', 'gate'],
  actions: ['read', 'gate', 'actions', 'alerts.ack', 'vms.unlock', 'campaigns.write'],
  admin: ['read', 'gate', 'alerts.ack', 'vms.unlock', 'campaigns.read', 'campaigns.write', 'actions', 'audit.read', 'admin'],
};

/**
 * `requireRecentAuth`: a session must have proved its user within STEP_UP_MAX_AGE_MS (password
 * re-entry or SSO with max_age). Bearer tokens are exempt: automation (the gate CLI, pipelines)
 * cannot re-enter a password, and a token's scopes are its whole authority.
 */
export type Policy = { public: true } | { public?: false; permission: Permission; requireRecentAuth?: boolean };

export const STEP_UP_MAX_AGE_MS = 5 * 60_000;

export type Principal =
  | { kind: 'user'; id: string; username: string; role: Role; isDemo: boolean }
  | { kind: 'token'; id: string; name: string; scopes: TokenScope[]; origin: 'user' | 'bootstrap'; createdById: string | null };

export function isAllowed(principal: Principal, permission: Permission): boolean {
  if (principal.kind === 'user') return ROLE_PERMISSIONS[principal.role].includes(permission);
  return principal.scopes.some((scope) => SCOPE_PERMISSIONS[scope].includes(permission));
}

/** Whether a user of `role` may hold (and keep using) a token with `scope`: every permission it grants is the role's. */
export function scopeAllowedForRole(scope: TokenScope, role: Role): boolean {
  return SCOPE_PERMISSIONS[scope].every((permission) => ROLE_PERMISSIONS[role].includes(permission));
}

export function rolesAllowed(permission: Permission): Role[] {
  return ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(permission));
}

export function parseScopes(text: string): TokenScope[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(s));
}
