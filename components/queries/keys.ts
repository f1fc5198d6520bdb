/**
 * Every React Query key in one place. Each entry is a function returning a tuple whose first
 * element names the resource, so `invalidateQueries({ queryKey: queryKeys.x() })` refreshes the
 * lists and details under it. A detail page adds `<resource>Detail: (id) => ['<resource>', id]`
 * when it exists, and its layout seeds that key on the server (see ARCHITECTURE.md).
 */
export type TargetKind = 'vcenters' | 'kms-providers' | 'openstack';

export interface AuditFilters {
  action: string;
  actor: string;
  outcome: string;
}

export interface AlertFilters {
  state: 'open' | 'resolved' | 'all';
}

/** The hosts table's view, as kept in the URL: filters (empty = any), sort (`-` = descending), page. */
export interface HostListQuery {
  cluster: string;
  verdict: string;
  connection: string;
  cryptoState: string;
  q: string;
  sort: string;
  page: number;
}

export type HistoryRange = '1h' | '24h' | '7d' | '30d';

/** What the blast radius page asks: nodes / a provider assumed down, a host assumed rebooted (empty: none). */
export interface BlastRadiusScenario {
  nodes: string[];
  provider: string;
  host: string;
}

export const queryKeys = {
  health: () => ['health'] as const,
  session: () => ['auth', 'session'] as const,
  auditEvents: (filters: AuditFilters) => ['audit', filters] as const,
  users: () => ['users'] as const,
  tokens: () => ['tokens'] as const,
  targets: (kind: TargetKind) => ['targets', kind] as const,
  openstack: () => ['openstack'] as const,
  openstackCloud: (id: string) => ['openstack', id] as const,
  campaigns: () => ['campaigns'] as const,
  campaignDetail: (id: string) => ['campaigns', id] as const,
  campaignItems: (id: string, state: string) => ['campaigns', id, 'items', state] as const,
  labState: () => ['lab', 'state'] as const,
  alerts: (filters?: AlertFilters) => (filters ? (['alerts', filters] as const) : (['alerts'] as const)),
  hosts: (filters?: HostListQuery) => (filters ? (['hosts', filters] as const) : (['hosts'] as const)),
  hostDetail: (id: string) => ['hosts', 'detail', id] as const,
  keyProviders: () => ['key-providers'] as const,
  kmsNodeHistory: (provider: string, range: HistoryRange) => ['history', 'kms-nodes', provider, range] as const,
  overview: () => ['overview'] as const,
  certificateTimeline: () => ['history', 'certificates'] as const,
  hostAlertTimeline: (host: string, range: HistoryRange) => ['history', 'host-alerts', host, range] as const,
  blastRadius: (scenario: BlastRadiusScenario) => ['blast-radius', scenario] as const,
  hostReadiness: (hostId: string, action: string) => ['hosts', hostId, 'readiness', action] as const,
  /** Every action's readiness check of one host (a prefix of hostReadiness). */
  hostReadinessAll: (hostId: string) => ['hosts', hostId, 'readiness'] as const,
  hostAction: (hostId: string, actionId: string) => ['hosts', hostId, 'actions', actionId] as const,
  clusters: () => ['clusters'] as const,
  clusterDetail: (id: string) => ['clusters', 'detail', id] as const,
  clusterRollingPlan: (id: string) => ['clusters', id, 'rolling-plan'] as const,
};
