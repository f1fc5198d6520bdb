/**
 * Pure rules over what Cinder and Barbican said: the key state of every encrypted volume, snapshot
 * and backup, the ConfKeyManager → Barbican migration status of every `cinder-volume` host, and
 * whether `fixed_key` can be removed. No I/O; everything unknown stays unknown, and the removal
 * verdict fails closed on it.
 */
import { FIXED_KEY_ID } from './schemas';

export { FIXED_KEY_ID };

export type KeyState =
  /** Not encrypted: no key at all. */
  | 'unencrypted'
  /** Still on the ConfKeyManager's all-zero key ID. */
  | 'fixed-key'
  /** Key in Barbican, ACTIVE, nothing odd (migrated from fixed_key or created there). */
  | 'migrated'
  /** Barbican answers 404 for the key ID: the secret was deleted or has expired. */
  | 'dangling'
  /** Barbican answers 403: the secret exists but lives in a project this token may not read (e.g. the cinder service project). */
  | 'cannot-verify'
  /** The secret exists but something is wrong with it (see anomalies). */
  | 'anomalous'
  /** Could not be determined (a read failed, or Cinder hides what would tell). */
  | 'unknown';

export const KEY_STATES: readonly KeyState[] = ['unencrypted', 'fixed-key', 'migrated', 'dangling', 'cannot-verify', 'anomalous', 'unknown'];

export type SecretAnomaly = 'not-active' | 'not-symmetric' | 'bit-length-mismatch' | 'expiration-set' | 'expiration-near' | 'acl-missing-user';

export interface SecretFacts {
  status: string;
  secretType: string;
  algorithm: string | null;
  bitLength: number | null;
  expiration: string | null;
  creatorId: string | null;
}

export interface AclFacts {
  users: readonly string[];
  projectAccess: boolean;
}

/** What Barbican said about one key ID. */
export type KeyLookup =
  | {
      kind: 'found';
      secret: SecretFacts;
      /** True when the secret showed up in the token project's secret list (so its project is known). */
      inTokenProject: boolean;
      /** The read ACL, or null when it was not read. */
      acl: AclFacts | null;
    }
  | { kind: 'not-found'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'error'; message: string };

export type KeyEvidence =
  /** encryption_key_id in the volume / backup details. */
  | 'details'
  /** GET …/volumes/{id}/encryption. */
  | 'encryption-endpoint'
  /** A snapshot shares its volume's key (Cinder's API does not show a snapshot's key ID). */
  | 'parent-volume'
  /** A backup whose key ID Cinder hides, judged by its source volume. */
  | 'source-volume'
  | 'none';

export interface KeyAssessment {
  state: KeyState;
  /** Whether the row depends on the all-zero key ID; null when that cannot be told. */
  usesFixedKey: boolean | null;
  /** The Barbican key ID (null on the fixed key, unencrypted, or unknown). */
  keyId: string | null;
  evidence: KeyEvidence;
  anomalies: SecretAnomaly[];
  /** One line for every state but unencrypted / fixed-key / migrated. */
  reason: string | null;
}

export interface AssessmentContext {
  /** Epoch ms the secrets' expirations are compared with. */
  now: number;
  /** An expiration closer than this is `expiration-near` (default 30 days). */
  expiringWithinMs: number;
  /** The project the poll's token is scoped to (where listed secrets live). */
  tokenProjectId: string | null;
}

export const DEFAULT_EXPIRING_WITHIN_MS = 30 * 86_400_000;

/** Epoch ms of an OpenStack time: services write UTC, often without a zone ("2015-02-28T19:14:44.180394"). */
export function parseOpenStackTime(text: string): number {
  const trimmed = text.trim();
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/i.test(trimmed) ? trimmed : `${trimmed}Z`);
}

function assessment(state: KeyState, usesFixedKey: boolean | null, evidence: KeyEvidence, extra: Partial<KeyAssessment> = {}): KeyAssessment {
  return { state, usesFixedKey, keyId: null, evidence, anomalies: [], reason: null, ...extra };
}

/**
 * What is wrong with a secret a volume's key lives in. `expectedBits` is the volume type's
 * key_size; the ACL must name `userId` when the secret lives in another project than the row
 * (Cinder's migration puts secrets in its service project and grants the volume's user read).
 */
export function secretAnomalies(
  lookup: Extract<KeyLookup, { kind: 'found' }>,
  row: { expectedBits: number | null; userId: string | null; projectId: string | null },
  ctx: AssessmentContext,
): SecretAnomaly[] {
  const { secret } = lookup;
  const out: SecretAnomaly[] = [];
  if (secret.status !== 'ACTIVE') out.push('not-active');
  if (secret.secretType !== 'symmetric') out.push('not-symmetric');
  if (row.expectedBits !== null && secret.bitLength !== row.expectedBits) out.push('bit-length-mismatch');
  if (secret.expiration) {
    const at = parseOpenStackTime(secret.expiration);
    out.push(Number.isFinite(at) && at - ctx.now < ctx.expiringWithinMs ? 'expiration-near' : 'expiration-set');
  }
  const otherProject = lookup.inTokenProject && row.projectId !== null && row.projectId !== ctx.tokenProjectId;
  if (otherProject && lookup.acl && row.userId && !lookup.acl.users.includes(row.userId)) out.push('acl-missing-user');
  return out;
}

const ANOMALY_TEXT: Record<SecretAnomaly, string> = {
  'not-active': 'status is not ACTIVE',
  'not-symmetric': 'secret_type is not symmetric',
  'bit-length-mismatch': "bit_length differs from the volume type's key_size",
  'expiration-set': 'an expiration is set (Barbican deletes the key from view when it passes)',
  'expiration-near': 'it expires soon or has expired',
  'acl-missing-user': "the read ACL does not name the volume's user",
};

export function describeAnomalies(anomalies: readonly SecretAnomaly[], secret?: SecretFacts, expectedBits?: number | null): string {
  return anomalies
    .map((a) => {
      if (a === 'not-active' && secret) return `status is ${secret.status}, not ACTIVE`;
      if (a === 'not-symmetric' && secret) return `secret_type is ${secret.secretType}, not symmetric`;
      if (a === 'bit-length-mismatch' && secret) return `bit_length ${secret.bitLength ?? 'unset'} ≠ key_size ${expectedBits ?? '?'}`;
      if ((a === 'expiration-set' || a === 'expiration-near') && secret?.expiration) return `${a === 'expiration-near' ? 'expires soon' : 'expiration set'} (${secret.expiration})`;
      return ANOMALY_TEXT[a];
    })
    .join('; ');
}

/** A row whose key ID is a Barbican UUID: its state is what Barbican says about that UUID. */
export function assessBarbicanKey(
  keyId: string,
  lookup: KeyLookup | undefined,
  row: { expectedBits: number | null; userId: string | null; projectId: string | null },
  evidence: KeyEvidence,
  ctx: AssessmentContext,
): KeyAssessment {
  if (keyId === FIXED_KEY_ID) return assessment('fixed-key', true, evidence);
  const base = { keyId };
  if (!lookup) return assessment('unknown', false, evidence, { ...base, reason: `Barbican was not asked about key ${keyId}` });
  switch (lookup.kind) {
    case 'error':
      return assessment('unknown', false, evidence, { ...base, reason: `Barbican could not be asked about key ${keyId}: ${lookup.message}` });
    case 'not-found':
      return assessment('dangling', false, evidence, { ...base, reason: `Barbican has no secret ${keyId} (deleted or expired): ${lookup.message}` });
    case 'forbidden':
      return assessment('cannot-verify', false, evidence, {
        ...base,
        reason: `secret ${keyId} exists but this token may not read it (it lives in another project, e.g. the cinder service project): ${lookup.message}`,
      });
    case 'found': {
      const anomalies = secretAnomalies(lookup, row, ctx);
      if (anomalies.length === 0) return assessment('migrated', false, evidence, base);
      return assessment('anomalous', false, evidence, { ...base, anomalies, reason: describeAnomalies(anomalies, lookup.secret, row.expectedBits) });
    }
  }
}

export interface VolumeKeyInput {
  encrypted: boolean;
  /** encryption_key_id from the volume details (never the all-zero ID from 3.64 on). */
  detailsKeyId: string | null;
  /** GET …/encryption: its key ID and key_size, an error message, or null when it was not read. */
  encryption: { keyId: string | null; keySize: number | null } | { error: string } | null;
  /** key_size of the volume type's encryption, when known. */
  typeKeySize: number | null;
  userId: string | null;
  projectId: string | null;
}

export function assessVolumeKey(input: VolumeKeyInput, lookups: ReadonlyMap<string, KeyLookup>, ctx: AssessmentContext): KeyAssessment {
  if (!input.encrypted) return assessment('unencrypted', false, 'none');
  const encryption = input.encryption;
  const encryptionKeySize = encryption && 'keySize' in encryption ? encryption.keySize : null;
  const row = { expectedBits: input.typeKeySize ?? encryptionKeySize, userId: input.userId, projectId: input.projectId };
  if (input.detailsKeyId) return assessBarbicanKey(input.detailsKeyId, lookups.get(input.detailsKeyId), row, 'details', ctx);
  if (encryption === null) {
    return assessment('unknown', null, 'none', { reason: "Cinder hides this volume's key ID and its encryption metadata was not read" });
  }
  if ('error' in encryption) {
    return assessment('unknown', null, 'none', { reason: `its encryption metadata could not be read: ${encryption.error}` });
  }
  if (encryption.keyId === null) {
    return assessment('unknown', null, 'encryption-endpoint', { reason: 'Cinder marks it encrypted but its encryption metadata has no key ID' });
  }
  return assessBarbicanKey(encryption.keyId, lookups.get(encryption.keyId), row, 'encryption-endpoint', ctx);
}

/** A snapshot uses its volume's key (Cinder copies the key ID; the migration moves both together). */
export function assessSnapshotKey(volumeId: string, volume: KeyAssessment | undefined): KeyAssessment {
  if (!volume) {
    return assessment('unknown', null, 'none', { reason: `its volume ${volumeId} is not in Cinder's volume list, so its key cannot be told` });
  }
  return { ...volume, anomalies: [...volume.anomalies], evidence: volume.evidence === 'none' ? 'none' : 'parent-volume' };
}

export interface BackupKeyInput {
  /** encryption_key_id from the backup details (hidden when all-zero or unset). */
  detailsKeyId: string | null;
  userId: string | null;
  projectId: string | null;
  /** The source volume as listed, or null when it no longer exists. */
  source: { encrypted: boolean; typeKeySize: number | null } | null;
  volumeId: string;
}

export function assessBackupKey(input: BackupKeyInput, lookups: ReadonlyMap<string, KeyLookup>, ctx: AssessmentContext): KeyAssessment {
  if (input.detailsKeyId) {
    const row = { expectedBits: input.source?.typeKeySize ?? null, userId: input.userId, projectId: input.projectId };
    return assessBarbicanKey(input.detailsKeyId, lookups.get(input.detailsKeyId), row, 'details', ctx);
  }
  if (!input.source) {
    return assessment('unknown', null, 'none', {
      reason: `Cinder shows no key ID for this backup and its volume ${input.volumeId} no longer exists: it may still need fixed_key`,
    });
  }
  if (!input.source.encrypted) return assessment('unencrypted', false, 'source-volume');
  // From 3.64 Cinder shows every backup key ID except the all-zero one; a backup of an encrypted
  // volume without one is on the fixed key (or predates Queens and was encrypted with it).
  return assessment('fixed-key', true, 'source-volume', {
    reason: 'Cinder shows no key ID for a backup of an encrypted volume: the hidden all-zero ID (or a pre-Queens backup made with fixed_key)',
  });
}

// ---------------------------------------------------------------- migration by host

export interface ServiceFacts {
  binary: string;
  host: string;
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  cluster: string | null;
}

export interface HostedVolumeRow {
  id: string;
  /** `os-vol-host-attr:host` (`host@backend#pool`), null when unscheduled. */
  host: string | null;
  cluster: string | null;
  keyState: KeyAssessment;
}

export interface HostedSnapshotRow {
  volumeId: string;
  keyState: KeyAssessment;
}

export type MigrationHostState =
  /** No rows on the fixed key. */
  | 'done'
  /** Rows on the fixed key and a service that would migrate them at its next start. */
  | 'pending-restart'
  /** Rows on the fixed key and no service up and enabled to migrate them. */
  | 'stuck'
  /** Rows on the fixed key; the services could not be read, so whether they will migrate is unknown. */
  | 'services-unknown';

export interface CinderVolumeHostStatus {
  /** `host@backend`, `cluster:NAME`, or `(no host)` for unscheduled volumes. */
  group: string;
  kind: 'host' | 'cluster' | 'none';
  services: ServiceFacts[];
  volumes: number;
  snapshots: number;
  fixedKey: { volumes: number; snapshots: number };
  /** Rows whose use of the fixed key is unknown. */
  unknown: { volumes: number; snapshots: number };
  /** At least one matching cinder-volume service is up and enabled. */
  serviceUsable: boolean;
  state: MigrationHostState;
  reason: string;
}

/** `host@backend#pool` → `host@backend`, the cinder-volume service's host. */
export function serviceHostOf(volumeHost: string): string {
  const hash = volumeHost.indexOf('#');
  return hash < 0 ? volumeHost : volumeHost.slice(0, hash);
}

function describeServices(services: readonly ServiceFacts[]): string {
  if (services.length === 0) return 'no cinder-volume service is registered for it';
  return services.map((s) => `${s.host} ${s.state}/${s.status}${s.disabledReason ? ` (${s.disabledReason})` : ''}`).join(', ');
}

/**
 * Fixed-key rows per cinder-volume host (or cluster): only that host's service migrates them, and
 * only when it starts — a host whose service is down or disabled never will.
 */
export function cinderVolumeHostStatus(
  volumes: readonly HostedVolumeRow[],
  snapshots: readonly HostedSnapshotRow[],
  /** null when os-services could not be read. */
  services: readonly ServiceFacts[] | null,
): CinderVolumeHostStatus[] {
  const volumeServices = (services ?? []).filter((s) => s.binary === 'cinder-volume');
  const groups = new Map<string, CinderVolumeHostStatus>();
  const groupOf = (key: string, kind: CinderVolumeHostStatus['kind']): CinderVolumeHostStatus => {
    let g = groups.get(key);
    if (!g) {
      const matching =
        kind === 'cluster'
          ? volumeServices.filter((s) => s.cluster !== null && `cluster:${s.cluster}` === key)
          : kind === 'host'
            ? volumeServices.filter((s) => s.host === key)
            : [];
      g = { group: key, kind, services: matching, volumes: 0, snapshots: 0, fixedKey: { volumes: 0, snapshots: 0 }, unknown: { volumes: 0, snapshots: 0 }, serviceUsable: false, state: 'done', reason: '' };
      groups.set(key, g);
    }
    return g;
  };
  for (const s of volumeServices) groupOf(s.cluster ? `cluster:${s.cluster}` : s.host, s.cluster ? 'cluster' : 'host');
  const groupOfVolume = new Map<string, CinderVolumeHostStatus>();
  for (const v of volumes) {
    const g = v.cluster ? groupOf(`cluster:${v.cluster}`, 'cluster') : v.host ? groupOf(serviceHostOf(v.host), 'host') : groupOf('(no host)', 'none');
    groupOfVolume.set(v.id, g);
    g.volumes += 1;
    if (v.keyState.usesFixedKey === true) g.fixedKey.volumes += 1;
    if (v.keyState.usesFixedKey === null) g.unknown.volumes += 1;
  }
  for (const s of snapshots) {
    const g = groupOfVolume.get(s.volumeId) ?? groupOf('(no host)', 'none');
    g.snapshots += 1;
    if (s.keyState.usesFixedKey === true) g.fixedKey.snapshots += 1;
    if (s.keyState.usesFixedKey === null) g.unknown.snapshots += 1;
  }
  for (const g of groups.values()) {
    g.serviceUsable = g.services.some((s) => s.state === 'up' && s.status === 'enabled');
    const fixed = g.fixedKey.volumes + g.fixedKey.snapshots;
    if (fixed === 0) {
      g.state = 'done';
      g.reason = 'no volume or snapshot of this host uses the all-zero key ID';
    } else if (services === null) {
      g.state = 'services-unknown';
      g.reason = `${g.fixedKey.volumes} volume(s) and ${g.fixedKey.snapshots} snapshot(s) still on the all-zero key ID; the cinder-volume services could not be read`;
    } else if (g.serviceUsable) {
      g.state = 'pending-restart';
      g.reason = `${g.fixedKey.volumes} volume(s) and ${g.fixedKey.snapshots} snapshot(s) still on the all-zero key ID; restarting cinder-volume on ${g.group} migrates them`;
    } else {
      g.state = 'stuck';
      const why = g.kind === 'none' ? 'the volumes are not scheduled to any host, so no cinder-volume service will migrate them' : `no cinder-volume service for it is up and enabled (${describeServices(g.services)}), so none will migrate them`;
      g.reason = `${g.fixedKey.volumes} volume(s) and ${g.fixedKey.snapshots} snapshot(s) still on the all-zero key ID and ${why}`;
    }
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group));
}

export interface BackupMigrationStatus {
  backups: number;
  fixedKey: number;
  unknown: number;
  services: ServiceFacts[];
  /** Fixed-key backups exist and some cinder-backup service cannot migrate (down, disabled or none at all). */
  stuck: boolean;
  reason: string;
}

/**
 * Backups are migrated by cinder-backup, each service its own rows; the API does not say which
 * service holds which backup, so any unusable cinder-backup service may be holding some back.
 */
export function backupMigrationStatus(backups: readonly { keyState: KeyAssessment }[], services: readonly ServiceFacts[] | null): BackupMigrationStatus {
  const backupServices = (services ?? []).filter((s) => s.binary === 'cinder-backup');
  const fixedKey = backups.filter((b) => b.keyState.usesFixedKey === true).length;
  const unknown = backups.filter((b) => b.keyState.usesFixedKey === null).length;
  const unusable = backupServices.filter((s) => s.state !== 'up' || s.status !== 'enabled');
  const stuck = services !== null && fixedKey > 0 && (backupServices.length === 0 || unusable.length > 0);
  let reason: string;
  if (fixedKey === 0) reason = 'no backup is known to use the all-zero key ID';
  else if (services === null) reason = `${fixedKey} backup(s) on the all-zero key ID; the cinder-backup services could not be read`;
  else if (backupServices.length === 0) reason = `${fixedKey} backup(s) on the all-zero key ID and no cinder-backup service is registered to migrate them`;
  else if (unusable.length > 0) reason = `${fixedKey} backup(s) on the all-zero key ID and cinder-backup is not usable on ${describeServices(unusable)}; the backups it holds will not migrate (Cinder does not say which ones they are)`;
  else reason = `${fixedKey} backup(s) on the all-zero key ID; restarting cinder-backup migrates them`;
  return { backups: backups.length, fixedKey, unknown, services: backupServices, stuck, reason };
}

// ---------------------------------------------------------------- fixed_key removal

export interface ListingStatus {
  complete: boolean;
  /** Why the listing is incomplete (one line), null when complete. */
  reason: string | null;
}

export interface VerdictRow {
  id: string;
  name: string | null;
  keyState: KeyAssessment;
}

export interface FixedKeyVerdictInput {
  takenAt: string;
  inventory: { volumes: ListingStatus; snapshots: ListingStatus; backups: ListingStatus };
  volumes: readonly VerdictRow[];
  snapshots: readonly VerdictRow[];
  backups: readonly VerdictRow[];
}

export interface FixedKeyVerdict {
  verdict: 'SAFE' | 'BLOCKED';
  reasons: string[];
  fixedKey: { volumes: number; snapshots: number; backups: number };
  unknown: { volumes: number; snapshots: number; backups: number };
  checked: { volumes: number; snapshots: number; backups: number };
  takenAt: string;
}

const EXAMPLES = 5;

function examples(rows: readonly VerdictRow[]): string {
  const names = rows.slice(0, EXAMPLES).map((r) => (r.name ? `${r.name} (${r.id})` : r.id));
  return rows.length > EXAMPLES ? `${names.join(', ')} and ${rows.length - EXAMPLES} more` : names.join(', ');
}

/**
 * SAFE only when every volume, snapshot and backup was listed and none uses — or might use — the
 * all-zero key ID: with fixed_key gone, such a row can no longer be attached or restored.
 */
export function fixedKeyRemovalVerdict(input: FixedKeyVerdictInput, options: { now?: number; maxAgeMs?: number } = {}): FixedKeyVerdict {
  const reasons: string[] = [];
  const kinds = [
    ['volume', 'volumes', input.volumes],
    ['snapshot', 'snapshots', input.snapshots],
    ['backup', 'backups', input.backups],
  ] as const;
  const fixedKey = { volumes: 0, snapshots: 0, backups: 0 };
  const unknown = { volumes: 0, snapshots: 0, backups: 0 };
  for (const [singular, plural, rows] of kinds) {
    const listing = input.inventory[plural];
    if (!listing.complete) reasons.push(`the ${plural} could not all be listed: ${listing.reason ?? 'unknown reason'}`);
    const fixed = rows.filter((r) => r.keyState.usesFixedKey === true);
    const unsure = rows.filter((r) => r.keyState.usesFixedKey === null);
    fixedKey[plural] = fixed.length;
    unknown[plural] = unsure.length;
    if (fixed.length > 0) reasons.push(`${fixed.length} ${singular}(s) still use the all-zero key ID: ${examples(fixed)}`);
    if (unsure.length > 0) reasons.push(`${unsure.length} ${singular}(s) may use the all-zero key ID (${unsure[0]!.keyState.reason ?? 'unknown'}): ${examples(unsure)}`);
  }
  const takenAtMs = Date.parse(input.takenAt);
  if (!Number.isFinite(takenAtMs)) reasons.push(`the poll time ${input.takenAt} is not a valid time`);
  else if (options.maxAgeMs !== undefined) {
    const age = (options.now ?? Date.now()) - takenAtMs;
    if (age > options.maxAgeMs) reasons.push(`the data is ${Math.round(age / 1000)} s old, older than the ${Math.round(options.maxAgeMs / 1000)} s allowed`);
  }
  const checked = { volumes: input.volumes.length, snapshots: input.snapshots.length, backups: input.backups.length };
  const verdict = reasons.length === 0 ? 'SAFE' : 'BLOCKED';
  if (verdict === 'SAFE') {
    reasons.push(`no volume, snapshot or backup uses the all-zero key ID (${checked.volumes} volumes, ${checked.snapshots} snapshots, ${checked.backups} backups checked)`);
  }
  return { verdict, reasons, fixedKey, unknown, checked, takenAt: input.takenAt };
}
