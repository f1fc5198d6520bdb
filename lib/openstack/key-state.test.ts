import { describe, expect, it } from 'vitest';
import {
  assessBackupKey,
  assessBarbicanKey,
  assessSnapshotKey,
  assessVolumeKey,
  backupMigrationStatus,
  cinderVolumeHostStatus,
  FIXED_KEY_ID,
  fixedKeyRemovalVerdict,
  secretAnomalies,
  serviceHostOf,
  type AssessmentContext,
  type FixedKeyVerdictInput,
  type KeyAssessment,
  type KeyLookup,
  type SecretFacts,
  type ServiceFacts,
} from './key-state';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const SERVICE_PROJECT = 'p-service';
const ctx: AssessmentContext = { now: NOW, expiringWithinMs: 30 * DAY, tokenProjectId: SERVICE_PROJECT };
const KEY = '11111111-2222-3333-4444-555555555555';

const goodSecret: SecretFacts = { status: 'ACTIVE', secretType: 'symmetric', algorithm: 'AES', bitLength: 256, expiration: null, creatorId: 'u-cinder' };
const found = (secret: Partial<SecretFacts> = {}, extra: { inTokenProject?: boolean; acl?: { users: string[]; projectAccess: boolean } | null } = {}): KeyLookup => ({
  kind: 'found',
  secret: { ...goodSecret, ...secret },
  inTokenProject: extra.inTokenProject ?? true,
  acl: extra.acl === undefined ? { users: ['u-alice'], projectAccess: true } : extra.acl,
});
const aliceRow: { expectedBits: number | null; userId: string | null; projectId: string | null } = { expectedBits: 256, userId: 'u-alice', projectId: 'p-alice' };

describe('secretAnomalies', () => {
  const check = (lookup: KeyLookup, row = aliceRow) => secretAnomalies(lookup as Extract<KeyLookup, { kind: 'found' }>, row, ctx);

  it('finds nothing wrong with an ACTIVE symmetric key of the right size whose ACL names the user', () => {
    expect(check(found())).toEqual([]);
  });
  it('flags each property on its own', () => {
    expect(check(found({ status: 'PENDING' }))).toEqual(['not-active']);
    expect(check(found({ status: 'ERROR' }))).toEqual(['not-active']);
    expect(check(found({ secretType: 'opaque' }))).toEqual(['not-symmetric']);
    expect(check(found({ bitLength: 128 }))).toEqual(['bit-length-mismatch']);
    expect(check(found({ bitLength: null }))).toEqual(['bit-length-mismatch']);
    expect(check(found({ expiration: new Date(NOW + 365 * DAY).toISOString() }))).toEqual(['expiration-set']);
    expect(check(found({ expiration: new Date(NOW + 5 * DAY).toISOString() }))).toEqual(['expiration-near']);
    expect(check(found({ expiration: new Date(NOW - DAY).toISOString() }))).toEqual(['expiration-near']);
    expect(check(found({}, { acl: { users: ['u-bob'], projectAccess: true } }))).toEqual(['acl-missing-user']);
  });
  it('treats an unparsable expiration as set (not near)', () => {
    expect(check(found({ expiration: 'someday' }))).toEqual(['expiration-set']);
  });
  it('does not compare bit length when the type key size is unknown', () => {
    expect(check(found({ bitLength: 128 }), { ...aliceRow, expectedBits: null })).toEqual([]);
  });
  it('only checks the ACL for secrets of the token project used by rows of another project', () => {
    const noAliceAcl = { users: ['u-bob'], projectAccess: true };
    // Same project as the token: the user reads it through project membership.
    expect(check(found({}, { acl: noAliceAcl }), { ...aliceRow, projectId: SERVICE_PROJECT })).toEqual([]);
    // Secret found by a direct GET (not in the token project): its project is unknown, no ACL judgement.
    expect(check(found({}, { inTokenProject: false, acl: noAliceAcl }))).toEqual([]);
    // ACL not read: no judgement.
    expect(check(found({}, { acl: null }))).toEqual([]);
    // Row user unknown: no judgement.
    expect(check(found({}, { acl: noAliceAcl }), { ...aliceRow, userId: null })).toEqual([]);
  });
  it('reports several anomalies together in a fixed order', () => {
    expect(check(found({ status: 'ERROR', secretType: 'opaque', bitLength: 512, expiration: new Date(NOW + DAY).toISOString() }, { acl: { users: [], projectAccess: true } }))).toEqual([
      'not-active',
      'not-symmetric',
      'bit-length-mismatch',
      'expiration-near',
      'acl-missing-user',
    ]);
  });
});

describe('assessBarbicanKey', () => {
  it('maps each Barbican answer to a state', () => {
    expect(assessBarbicanKey(KEY, found(), aliceRow, 'details', ctx)).toMatchObject({ state: 'migrated', usesFixedKey: false, keyId: KEY, reason: null });
    const dangling = assessBarbicanKey(KEY, { kind: 'not-found', message: 'HTTP 404: Secret not found.' }, aliceRow, 'details', ctx);
    expect(dangling).toMatchObject({ state: 'dangling', usesFixedKey: false, keyId: KEY });
    expect(dangling.reason).toContain('Secret not found.');
    const forbidden = assessBarbicanKey(KEY, { kind: 'forbidden', message: 'HTTP 403: nope' }, aliceRow, 'details', ctx);
    expect(forbidden).toMatchObject({ state: 'cannot-verify', usesFixedKey: false });
    expect(forbidden.reason).toContain('cinder service project');
    expect(assessBarbicanKey(KEY, { kind: 'error', message: 'timeout' }, aliceRow, 'details', ctx)).toMatchObject({ state: 'unknown', usesFixedKey: false });
    expect(assessBarbicanKey(KEY, undefined, aliceRow, 'details', ctx)).toMatchObject({ state: 'unknown', usesFixedKey: false });
    const odd = assessBarbicanKey(KEY, found({ bitLength: 128 }), aliceRow, 'details', ctx);
    expect(odd).toMatchObject({ state: 'anomalous', anomalies: ['bit-length-mismatch'] });
    expect(odd.reason).toBe('bit_length 128 ≠ key_size 256');
  });
  it('treats the all-zero ID as the fixed key whatever Barbican says', () => {
    expect(assessBarbicanKey(FIXED_KEY_ID, found(), aliceRow, 'details', ctx)).toMatchObject({ state: 'fixed-key', usesFixedKey: true, keyId: null });
  });
});

describe('assessVolumeKey', () => {
  const lookups = new Map<string, KeyLookup>([[KEY, found()]]);
  const base = { encrypted: true, detailsKeyId: null, encryption: null, typeKeySize: 256, userId: 'u-alice', projectId: 'p-alice' };

  it('unencrypted volumes have no key', () => {
    expect(assessVolumeKey({ ...base, encrypted: false }, lookups, ctx)).toMatchObject({ state: 'unencrypted', usesFixedKey: false, evidence: 'none' });
  });
  it('uses the key ID from the details first', () => {
    expect(assessVolumeKey({ ...base, detailsKeyId: KEY }, lookups, ctx)).toMatchObject({ state: 'migrated', evidence: 'details', keyId: KEY });
  });
  it('finds the fixed key only through the encryption endpoint', () => {
    expect(assessVolumeKey({ ...base, encryption: { keyId: FIXED_KEY_ID, keySize: 256 } }, lookups, ctx)).toMatchObject({ state: 'fixed-key', usesFixedKey: true, evidence: 'encryption-endpoint' });
    expect(assessVolumeKey({ ...base, encryption: { keyId: KEY, keySize: 256 } }, lookups, ctx)).toMatchObject({ state: 'migrated', evidence: 'encryption-endpoint' });
  });
  it('stays unknown — and unknown about the fixed key — when the encryption metadata is missing or odd', () => {
    expect(assessVolumeKey(base, lookups, ctx)).toMatchObject({ state: 'unknown', usesFixedKey: null });
    const failed = assessVolumeKey({ ...base, encryption: { error: 'HTTP 500' } }, lookups, ctx);
    expect(failed).toMatchObject({ state: 'unknown', usesFixedKey: null });
    expect(failed.reason).toContain('HTTP 500');
    expect(assessVolumeKey({ ...base, encryption: { keyId: null, keySize: null } }, lookups, ctx)).toMatchObject({ state: 'unknown', usesFixedKey: null });
  });
  it("falls back to the encryption endpoint's key_size when the type's is unknown", () => {
    const lk = new Map<string, KeyLookup>([[KEY, found({ bitLength: 512 })]]);
    expect(assessVolumeKey({ ...base, typeKeySize: null, encryption: { keyId: KEY, keySize: 512 } }, lk, ctx).state).toBe('migrated');
    expect(assessVolumeKey({ ...base, typeKeySize: 256, encryption: { keyId: KEY, keySize: 512 } }, lk, ctx).state).toBe('anomalous');
  });
});

describe('assessSnapshotKey', () => {
  it("copies its volume's key state", () => {
    const volume: KeyAssessment = { state: 'fixed-key', usesFixedKey: true, keyId: null, evidence: 'encryption-endpoint', anomalies: [], reason: null };
    expect(assessSnapshotKey('v1', volume)).toMatchObject({ state: 'fixed-key', usesFixedKey: true, evidence: 'parent-volume' });
    const unenc: KeyAssessment = { state: 'unencrypted', usesFixedKey: false, keyId: null, evidence: 'none', anomalies: [], reason: null };
    expect(assessSnapshotKey('v1', unenc)).toMatchObject({ state: 'unencrypted', evidence: 'none' });
  });
  it('is unknown when its volume is not listed', () => {
    expect(assessSnapshotKey('v-gone', undefined)).toMatchObject({ state: 'unknown', usesFixedKey: null });
  });
});

describe('assessBackupKey', () => {
  const lookups = new Map<string, KeyLookup>([[KEY, { kind: 'not-found', message: 'gone' }]]);
  const base = { detailsKeyId: null, userId: 'u-alice', projectId: 'p-alice', volumeId: 'v1' };
  it('judges a visible key ID through Barbican', () => {
    expect(assessBackupKey({ ...base, detailsKeyId: KEY, source: null }, lookups, ctx)).toMatchObject({ state: 'dangling', usesFixedKey: false });
  });
  it('a hidden key ID on a backup of an encrypted volume is the fixed key', () => {
    expect(assessBackupKey({ ...base, source: { encrypted: true, typeKeySize: 256 } }, lookups, ctx)).toMatchObject({ state: 'fixed-key', usesFixedKey: true, evidence: 'source-volume' });
  });
  it('a backup of an unencrypted volume is unencrypted', () => {
    expect(assessBackupKey({ ...base, source: { encrypted: false, typeKeySize: null } }, lookups, ctx)).toMatchObject({ state: 'unencrypted', usesFixedKey: false });
  });
  it('a hidden key ID whose volume is gone is unknown', () => {
    const a = assessBackupKey({ ...base, source: null }, lookups, ctx);
    expect(a).toMatchObject({ state: 'unknown', usesFixedKey: null });
    expect(a.reason).toContain('v1');
  });
});

const fixed: KeyAssessment = { state: 'fixed-key', usesFixedKey: true, keyId: null, evidence: 'encryption-endpoint', anomalies: [], reason: null };
const migrated: KeyAssessment = { state: 'migrated', usesFixedKey: false, keyId: KEY, evidence: 'details', anomalies: [], reason: null };
const unsure: KeyAssessment = { state: 'unknown', usesFixedKey: null, keyId: null, evidence: 'none', anomalies: [], reason: 'metadata failed' };
const svc = (host: string, state: 'up' | 'down' = 'up', status: 'enabled' | 'disabled' = 'enabled', extra: Partial<ServiceFacts> = {}): ServiceFacts => ({
  binary: 'cinder-volume',
  host,
  state,
  status,
  disabledReason: null,
  cluster: null,
  ...extra,
});

describe('cinderVolumeHostStatus', () => {
  it('groups rows by host@backend and judges each host by its service', () => {
    const volumes = [
      { id: 'v1', host: 'c1@lvm#pool', cluster: null, keyState: fixed },
      { id: 'v2', host: 'c1@lvm#pool', cluster: null, keyState: migrated },
      { id: 'v3', host: 'c2@lvm#pool', cluster: null, keyState: fixed },
      { id: 'v4', host: 'c3@lvm#pool', cluster: null, keyState: fixed },
      { id: 'v5', host: 'c4@lvm#pool', cluster: null, keyState: migrated },
      { id: 'v6', host: 'c5@ceph#x', cluster: null, keyState: unsure },
      { id: 'v7', host: null, cluster: null, keyState: fixed },
    ];
    const snapshots = [
      { volumeId: 'v1', keyState: fixed },
      { volumeId: 'v2', keyState: migrated },
      { volumeId: 'v-gone', keyState: unsure },
    ];
    const services = [svc('c1@lvm'), svc('c2@lvm', 'down'), svc('c3@lvm', 'up', 'disabled', { disabledReason: 'maintenance' }), svc('c4@lvm', 'down'), { ...svc('c1'), binary: 'cinder-backup' }];
    const status = cinderVolumeHostStatus(volumes, snapshots, services);
    const by = Object.fromEntries(status.map((s) => [s.group, s]));
    expect(Object.keys(by).sort()).toEqual(['(no host)', 'c1@lvm', 'c2@lvm', 'c3@lvm', 'c4@lvm', 'c5@ceph']);
    expect(by['c1@lvm']).toMatchObject({ state: 'pending-restart', serviceUsable: true, volumes: 2, snapshots: 2, fixedKey: { volumes: 1, snapshots: 1 } });
    expect(by['c2@lvm']).toMatchObject({ state: 'stuck', serviceUsable: false, fixedKey: { volumes: 1, snapshots: 0 } });
    expect(by['c2@lvm']!.reason).toContain('c2@lvm down/enabled');
    expect(by['c3@lvm']).toMatchObject({ state: 'stuck' });
    expect(by['c3@lvm']!.reason).toContain('maintenance');
    // A down service with nothing left to migrate is not stuck.
    expect(by['c4@lvm']).toMatchObject({ state: 'done', serviceUsable: false });
    // A host with rows but no registered service.
    expect(by['c5@ceph']).toMatchObject({ state: 'done', services: [], unknown: { volumes: 1, snapshots: 0 } });
    expect(by['(no host)']).toMatchObject({ kind: 'none', state: 'stuck', fixedKey: { volumes: 1, snapshots: 0 }, unknown: { volumes: 0, snapshots: 1 } });
  });
  it('a clustered backend is stuck only when no service of the cluster is usable', () => {
    const volumes = [{ id: 'v1', host: 'c1@ceph#p', cluster: 'ceph1@ceph', keyState: fixed }];
    const up = cinderVolumeHostStatus(volumes, [], [svc('c1@ceph', 'down', 'enabled', { cluster: 'ceph1@ceph' }), svc('c2@ceph', 'up', 'enabled', { cluster: 'ceph1@ceph' })]);
    expect(up).toHaveLength(1);
    expect(up[0]).toMatchObject({ group: 'cluster:ceph1@ceph', kind: 'cluster', state: 'pending-restart' });
    const down = cinderVolumeHostStatus(volumes, [], [svc('c1@ceph', 'down', 'enabled', { cluster: 'ceph1@ceph' })]);
    expect(down[0]).toMatchObject({ state: 'stuck' });
  });
  it('does not call a host stuck when the services could not be read', () => {
    const volumes = [{ id: 'v1', host: 'c1@lvm#p', cluster: null, keyState: fixed }];
    expect(cinderVolumeHostStatus(volumes, [], null)[0]).toMatchObject({ group: 'c1@lvm', state: 'services-unknown' });
    expect(backupMigrationStatus([{ keyState: fixed }], null)).toMatchObject({ stuck: false, fixedKey: 1 });
  });
  it('strips the pool from the volume host', () => {
    expect(serviceHostOf('h@b#p')).toBe('h@b');
    expect(serviceHostOf('h@b')).toBe('h@b');
  });
});

describe('backupMigrationStatus', () => {
  const backup = (keyState: KeyAssessment) => ({ keyState });
  const bsvc = (host: string, state: 'up' | 'down' = 'up', status: 'enabled' | 'disabled' = 'enabled') => ({ ...svc(host, state, status), binary: 'cinder-backup' });
  it('is stuck when fixed-key backups exist and a backup service is unusable or missing', () => {
    expect(backupMigrationStatus([backup(fixed)], [bsvc('b1'), bsvc('b2', 'down')])).toMatchObject({ stuck: true, fixedKey: 1 });
    expect(backupMigrationStatus([backup(fixed)], [bsvc('b1', 'up', 'disabled')])).toMatchObject({ stuck: true });
    expect(backupMigrationStatus([backup(fixed)], [svc('c1@lvm')])).toMatchObject({ stuck: true, services: [] });
  });
  it('is not stuck when every backup service is usable, or nothing is left', () => {
    expect(backupMigrationStatus([backup(fixed), backup(unsure), backup(migrated)], [bsvc('b1')])).toMatchObject({ stuck: false, fixedKey: 1, unknown: 1, backups: 3 });
    expect(backupMigrationStatus([backup(migrated)], [bsvc('b1', 'down')])).toMatchObject({ stuck: false });
  });
});

describe('fixedKeyRemovalVerdict', () => {
  const complete = { complete: true, reason: null };
  const input = (over: Partial<FixedKeyVerdictInput> = {}): FixedKeyVerdictInput => ({
    takenAt: new Date(NOW).toISOString(),
    inventory: { volumes: complete, snapshots: complete, backups: complete },
    volumes: [{ id: 'v1', name: 'db', keyState: migrated }],
    snapshots: [{ id: 's1', name: null, keyState: migrated }],
    backups: [{ id: 'b1', name: null, keyState: migrated }],
    ...over,
  });

  it('is SAFE only when everything was listed and nothing uses or may use the all-zero ID', () => {
    const v = fixedKeyRemovalVerdict(input(), { now: NOW, maxAgeMs: 60_000 });
    expect(v.verdict).toBe('SAFE');
    expect(v.checked).toEqual({ volumes: 1, snapshots: 1, backups: 1 });
    expect(v.reasons[0]).toContain('no volume, snapshot or backup uses the all-zero key ID');
  });
  it('dangling, anomalous and cannot-verify rows do not block: they are not on the fixed key', () => {
    const other = (state: KeyAssessment['state']): KeyAssessment => ({ ...migrated, state });
    const v = fixedKeyRemovalVerdict(input({ volumes: [{ id: 'v1', name: null, keyState: other('dangling') }, { id: 'v2', name: null, keyState: other('cannot-verify') }, { id: 'v3', name: null, keyState: other('anomalous') }] }));
    expect(v.verdict).toBe('SAFE');
  });
  it('is BLOCKED by a fixed-key volume, snapshot or backup, naming them', () => {
    for (const key of ['volumes', 'snapshots', 'backups'] as const) {
      const v = fixedKeyRemovalVerdict(input({ [key]: [{ id: 'x1', name: 'legacy', keyState: fixed }] }));
      expect(v.verdict).toBe('BLOCKED');
      expect(v.fixedKey[key]).toBe(1);
      expect(v.reasons.join(' ')).toContain('legacy (x1)');
    }
  });
  it('is BLOCKED by rows that may use the fixed key', () => {
    const v = fixedKeyRemovalVerdict(input({ backups: [{ id: 'b9', name: null, keyState: unsure }] }));
    expect(v.verdict).toBe('BLOCKED');
    expect(v.unknown.backups).toBe(1);
    expect(v.reasons.join(' ')).toContain('metadata failed');
  });
  it('is BLOCKED by an incomplete listing even with no rows', () => {
    const v = fixedKeyRemovalVerdict(input({ volumes: [], inventory: { volumes: { complete: false, reason: 'HTTP 503' }, snapshots: complete, backups: complete } }));
    expect(v.verdict).toBe('BLOCKED');
    expect(v.reasons[0]).toContain('HTTP 503');
  });
  it('is BLOCKED by stale data or a bad timestamp', () => {
    expect(fixedKeyRemovalVerdict(input(), { now: NOW + 600_000, maxAgeMs: 60_000 }).verdict).toBe('BLOCKED');
    expect(fixedKeyRemovalVerdict(input({ takenAt: 'yesterday' })).verdict).toBe('BLOCKED');
  });
  it('shortens long lists of examples', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ id: `v${i}`, name: null, keyState: fixed }));
    const v = fixedKeyRemovalVerdict(input({ volumes: many }));
    expect(v.reasons[0]).toContain('12 volume(s)');
    expect(v.reasons[0]).toContain('and 7 more');
  });
});
