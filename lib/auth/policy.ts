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
  | 'audit.read'
  | 'admin'; // users, tokens, targets

/** Roles granted each permission. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read', 'gate'],
  oncall: ['read', 'gate', 'alerts.ack'],
  manager: ['read', 'gate', 'campaigns.read', 'audit.read'],
  admin: ['read', 'gate', 'alerts.ack', 'campaigns.read', 'campaigns.write', 'actions', 'audit.read', 'admin'],
};

/** Token scopes granting each permission; the admin scope grants everything. */
export const SCOPE_PERMISSIONS: Record<TokenScope, readonly Permission[]> = {
  read: ['read', 'campaigns.read', 'audit.read'],
  gate: ['read', 'gate'],
  actions: ['read', 'gate', 'actions', 'alerts.ack', 'campaigns.write'],
  admin: ['read', 'gate', 'alerts.ack', 'campaigns.read', 'campaigns.write', 'actions', 'audit.read', 'admin'],
};

export type Policy = { public: true } | { public?: false; permission: Permission };

export type Principal =
  | { kind: 'user'; id: string; username: string; role: Role; isDemo: boolean }
  | { kind: 'token'; id: string; name: string; scopes: TokenScope[] };

export function isAllowed(principal: Principal, permission: Permission): boolean {
  if (principal.kind === 'user') return ROLE_PERMISSIONS[principal.role].includes(permission);
  return principal.scopes.some((scope) => SCOPE_PERMISSIONS[scope].includes(permission));
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
