/**
 * The shape of one poll of an OpenStack cloud (lib/openstack/poll.ts): what was read, each row's
 * key state, Barbican's health, migration status by host, request figures and the areas that
 * could not be read. Plain data (JSON-serialisable), so it can be stored, compared and rendered.
 */
import type { ResolvedEndpoint } from './catalog';
import type { OpenStackErrorKind } from './errors';
import type {
  AclFacts,
  BackupMigrationStatus,
  CinderVolumeHostStatus,
  KeyAssessment,
  KeyLookup,
  KeyState,
  ListingStatus,
  SecretAnomaly,
  SecretFacts,
  ServiceFacts,
} from './key-state';

export type PollArea =
  | 'keystone'
  | 'catalog-key-manager'
  | 'catalog-block-storage'
  | 'barbican-process'
  | 'barbican-versions'
  | 'barbican-api'
  | 'barbican-secrets'
  | 'barbican-orders'
  | 'cinder-versions'
  | 'cinder-volumes'
  | 'cinder-snapshots'
  | 'cinder-backups'
  | 'cinder-services'
  | 'cinder-encryption'
  | 'cinder-types';

export interface AreaError {
  area: PollArea;
  kind: OpenStackErrorKind | 'incomplete' | 'internal';
  /** One line. */
  message: string;
}

export type BarbicanApiStatus =
  /** `GET /v1/secrets?limit=1` answered 200. */
  | 'ok'
  /** Keystone refused us, or Barbican could not reach Keystone (its 503) or refused a fresh token. */
  | 'auth-failing'
  /** Barbican answered 5xx other than the Keystone case: its database or secret store is failing. */
  | 'backend-error'
  /** No answer: connection refused, TLS failure, timeout, or a proxy's 503. */
  | 'down'
  /** Any other failure (e.g. 403: this user may not list secrets). */
  | 'error'
  /** Not asked (no key-manager endpoint, or no token). */
  | 'skipped';

export interface BarbicanHealth {
  endpoint: string | null;
  /** `GET /healthcheck` (no token). */
  process: { status: 'ok' | 'disabled' | 'absent' | 'failed' | 'skipped'; httpStatus: number | null; latencyMs: number | null; detail: string };
  /** `GET /` answers the 300 versions document. */
  versions: { ok: boolean | null; httpStatus: number | null; detail: string };
  /** Authenticated `GET /v1/secrets?limit=1`: the real liveness check. */
  api: { status: BarbicanApiStatus; httpStatus: number | null; latencyMs: number | null; detail: string; secretsInProject: number | null };
}

export interface VolumeRecord {
  id: string;
  name: string | null;
  projectId: string | null;
  userId: string | null;
  status: string;
  /** `host@backend#pool`. */
  host: string | null;
  cluster: string | null;
  volumeTypeId: string | null;
  volumeType: string | null;
  encrypted: boolean;
  attached: boolean;
  keyState: KeyAssessment;
}

export interface SnapshotRecord {
  id: string;
  name: string | null;
  projectId: string | null;
  userId: string | null;
  status: string;
  volumeId: string;
  /** The volume's host (snapshots live on their volume's backend). */
  host: string | null;
  keyState: KeyAssessment;
}

export interface BackupRecord {
  id: string;
  name: string | null;
  projectId: string | null;
  userId: string | null;
  status: string;
  volumeId: string;
  keyState: KeyAssessment;
}

export interface KeyRecord {
  keyId: string;
  lookup: KeyLookup['kind'] | 'not-asked';
  inTokenProject: boolean;
  secret: SecretFacts | null;
  acl: AclFacts | null;
  /** Union of the anomalies the rows using this key saw. */
  anomalies: SecretAnomaly[];
  /** The anomalies in words, as the first row using the key saw them (null when none). */
  anomalyText: string | null;
  message: string | null;
  usedBy: { volumes: string[]; snapshots: string[]; backups: string[] };
}

export interface OrdersSummary {
  total: number;
  byStatus: Record<string, number>;
  /** PENDING longer than the allowed time, or ERROR: key creation (new encrypted volumes) failing. */
  failing: { orderId: string; status: string; created: string | null; reason: string | null }[];
}

export type KeyStateCounts = Record<KeyState, number>;

export interface OpenStackSnapshot {
  cloud: string;
  takenAt: string;
  durationMs: number;
  token: { ok: boolean; userId: string | null; projectId: string | null; projectName: string | null; roles: string[]; expiresAt: string | null; logins: number };
  endpoints: { keyManager: ResolvedEndpoint | null; blockStorage: ResolvedEndpoint | null };
  barbican: BarbicanHealth;
  cinder: { microversion: string; maxMicroversion: string | null };
  inventory: { volumes: ListingStatus; snapshots: ListingStatus; backups: ListingStatus };
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
  backups: BackupRecord[];
  keys: KeyRecord[];
  hosts: CinderVolumeHostStatus[];
  backupMigration: BackupMigrationStatus;
  /** Cinder services (null when os-services could not be read). */
  services: ServiceFacts[] | null;
  counts: { volumes: KeyStateCounts; snapshots: KeyStateCounts; backups: KeyStateCounts };
  /** Secrets of the token's project no volume, snapshot or backup references (null when not listed). */
  orphanSecrets: { count: number; sample: string[] } | null;
  orders: OrdersSummary | null;
  requests: { keystone: number; barbican: number; cinder: number; barbicanListPages: number; barbicanDistinctKeys: number; barbicanMaxPerKey: number };
  errors: AreaError[];
}
