/**
 * Issue 14's "Done when", at library level against the lab cloud: a full poll's counts equal the
 * lab's ground truth; Barbican down / auth failing / backend failing and a missing catalog entry
 * become conditions; a deleted or expired secret is VOLUME_KEY_MISSING naming the row; anomalies
 * are SECRET_ANOMALY; fixed_key removal is BLOCKED until cinder-volume and cinder-backup have been
 * restarted everywhere, then SAFE; a host whose service is down is stuck.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenStackLab } from '@/lab/openstack/server';
import { startQuietOpenStackLab } from '@/lab/openstack/testing';
import type { OpenStackEstateOptions } from '@/lab/openstack/estate';
import { openstackConditions, type OpenStackConditionKind } from './conditions';
import { fixedKeyRemovalVerdict } from './key-state';
import { pollOpenStack } from './poll';
import type { OpenStackSnapshot } from './snapshot';

let lab: OpenStackLab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function start(estate: OpenStackEstateOptions = {}): Promise<OpenStackLab> {
  lab = await startQuietOpenStackLab({ estate: { seed: 3, projects: 3, volumes: 36, snapshots: 10, backups: 10, cinderHosts: 3, backupHosts: 2, ...estate } });
  return lab;
}

const kinds = (s: OpenStackSnapshot) => [...new Set(openstackConditions(s).map((c) => c.kind))].sort();
const conditionsOf = (s: OpenStackSnapshot, kind: OpenStackConditionKind) => openstackConditions(s).filter((c) => c.kind === kind);

async function restartEverything(l: OpenStackLab): Promise<void> {
  for (const s of l.estate.services) {
    if (s.binary === 'cinder-volume' || s.binary === 'cinder-backup') await l.fault({ type: 'restart-service', host: s.host, binary: s.binary });
  }
}

describe('a full poll', () => {
  it("counts every volume, snapshot and backup as the lab's ground truth does, asking Barbican once per key", async () => {
    const l = await start();
    const snap = await pollOpenStack(l.watcher);
    const truth = l.state();
    expect(snap.errors).toEqual([]);
    for (const kind of ['volumes', 'snapshots', 'backups'] as const) {
      const c = snap.counts[kind];
      const t = truth.counts[kind];
      expect(snap[kind]).toHaveLength(t.total);
      expect(c.unencrypted).toBe(t.unencrypted);
      expect(c['fixed-key']).toBe(t.fixedKey);
      expect(c.dangling).toBe(t.secretMissing);
      expect(c['cannot-verify']).toBe(t.unreadable);
      expect(c.migrated + c.anomalous).toBe(t.secretPresent - t.unreadable);
      expect(c.unknown).toBe(0);
    }
    expect(truth.counts.volumes.fixedKey).toBeGreaterThan(0);
    expect(truth.counts.volumes.unreadable).toBeGreaterThan(0);
    // Per host: fixed-key volumes and snapshots as the lab has them.
    for (const h of truth.hosts) {
      const mine = snap.hosts.find((x) => x.group === h.host)!;
      expect(mine.fixedKey).toEqual(h.fixedKey);
      expect(mine.state).toBe(h.fixedKey.volumes + h.fixedKey.snapshots > 0 ? 'pending-restart' : 'done');
    }
    expect(snap.requests.barbicanMaxPerKey).toBe(1);
    expect(truth.requests.secretRequests.maxPerSecret).toBe(1);
    expect(snap.requests.barbicanDistinctKeys).toBe(snap.keys.length);
    expect(snap.barbican).toMatchObject({ process: { status: 'ok', httpStatus: 200 }, versions: { ok: true, httpStatus: 300 }, api: { status: 'ok', httpStatus: 200, secretsInProject: truth.secrets.inServiceProject } });
    expect(snap.orphanSecrets?.count).toBe(1);
    expect(snap.token).toMatchObject({ ok: true, projectName: 'service', logins: 1 });
    expect(kinds(snap)).toEqual([]);
    expect(fixedKeyRemovalVerdict(snap).verdict).toBe('BLOCKED');
  });
});

describe('Barbican health conditions', () => {
  it('Barbican down → BARBICAN_DOWN (refused, 503 from the load balancer, healthcheck drained), cleared when it is back', async () => {
    const l = await start({ volumes: 8, snapshots: 2, backups: 2 });
    await l.fault({ type: 'barbican-down' });
    const down = await pollOpenStack(l.watcher);
    expect(kinds(down)).toEqual(['BARBICAN_DOWN']);
    expect(down.barbican.api.status).toBe('down');
    expect(down.barbican.process.status).toBe('failed');
    expect(conditionsOf(down, 'BARBICAN_DOWN')[0]!.message).toContain(`Barbican at ${l.urls.barbican} is down`);
    // Keys cannot be judged, but Cinder was still read and the all-zero rows are still known.
    expect(down.counts.volumes.unknown).toBeGreaterThan(0);
    expect(down.volumes.filter((v) => v.keyState.state === 'unknown').every((v) => v.keyState.usesFixedKey === false)).toBe(true);
    expect(down.counts.volumes['fixed-key']).toBe(l.state().counts.volumes.fixedKey);

    await l.fault({ type: 'barbican-down', mode: 'http-503' });
    const proxy = await pollOpenStack(l.watcher);
    expect(kinds(proxy)).toEqual(['BARBICAN_DOWN']);
    expect(proxy.barbican.api.detail).toContain('HTTP 503');

    await l.fault({ type: 'barbican-up' });
    await l.fault({ type: 'barbican-healthcheck-disabled' });
    const drained = await pollOpenStack(l.watcher);
    expect(kinds(drained)).toEqual(['BARBICAN_DOWN']);
    expect(drained.barbican.process).toMatchObject({ status: 'disabled', httpStatus: 503, detail: 'DISABLED BY FILE' });

    await l.fault({ type: 'clear' });
    expect(kinds(await pollOpenStack(l.watcher))).toEqual([]);
  });

  it("Keystone out of Barbican's reach → BARBICAN_AUTH_FAILING; a failing backend → BARBICAN_BACKEND_ERROR", async () => {
    const l = await start({ volumes: 8, snapshots: 2, backups: 2 });
    await l.fault({ type: 'barbican-keystone-unreachable' });
    const auth = await pollOpenStack(l.watcher);
    expect(kinds(auth)).toEqual(['BARBICAN_AUTH_FAILING']);
    expect(conditionsOf(auth, 'BARBICAN_AUTH_FAILING')[0]!.message).toContain('The Keystone service is temporarily unavailable');
    await l.fault({ type: 'clear' });
    await l.fault({ type: 'barbican-backend-error' });
    const backend = await pollOpenStack(l.watcher);
    expect(kinds(backend)).toEqual(['BARBICAN_BACKEND_ERROR']);
    expect(conditionsOf(backend, 'BARBICAN_BACKEND_ERROR')[0]).toMatchObject({ severity: 'critical', entity: { type: 'cloud', id: 'lab-openstack' } });
    expect(conditionsOf(backend, 'BARBICAN_BACKEND_ERROR')[0]!.message).toContain('failure seen - please contact site administrator');
  });

  it('no key-manager in the catalog (or only in another region) → KEY_MANAGER_NOT_IN_CATALOG', async () => {
    const l = await start({ volumes: 8, snapshots: 2, backups: 2 });
    for (const state of ['absent', 'wrong-region'] as const) {
      await l.fault({ type: 'catalog-key-manager', state });
      const snap = await pollOpenStack(l.watcher);
      expect(kinds(snap)).toEqual(['KEY_MANAGER_NOT_IN_CATALOG']);
      expect(snap.volumes).toHaveLength(8);
      expect(conditionsOf(snap, 'KEY_MANAGER_NOT_IN_CATALOG')[0]!.message).toContain(state === 'absent' ? 'no key-manager service' : 'no public endpoint in region RegionOne');
    }
  });
});

describe('keys', () => {
  it("a migrated volume's secret deleted → VOLUME_KEY_MISSING naming the volume (and its snapshots)", async () => {
    const l = await start();
    const volume = l.estate.volumes.find((v) => l.estate.keyOrigin.get(v.id) === 'migrated' && l.estate.snapshots.some((s) => s.volumeId === v.id))
      ?? l.estate.volumes.find((v) => l.estate.keyOrigin.get(v.id) === 'migrated')!;
    await l.fault({ type: 'delete-secret', volume: volume.name });
    const snap = await pollOpenStack(l.watcher);
    const missing = conditionsOf(snap, 'VOLUME_KEY_MISSING');
    const forVolume = missing.find((c) => c.entity.type === 'volume')!;
    expect(forVolume).toMatchObject({ severity: 'critical', entity: { type: 'volume', id: volume.id, name: volume.name } });
    expect(forVolume.message).toContain(volume.name);
    expect(forVolume.message).toContain(volume.keyId!);
    const snapshotsOfVolume = l.estate.snapshots.filter((s) => s.volumeId === volume.id).map((s) => s.id).sort();
    expect(missing.filter((c) => c.entity.type === 'snapshot').map((c) => c.entity.id).sort()).toEqual(snapshotsOfVolume);
    expect(snap.counts.volumes.dangling).toBe(1);
    expect(l.state().counts.volumes.secretMissing).toBe(1);
  });

  it('an expired secret is dangling too; odd secrets are SECRET_ANOMALY', async () => {
    const l = await start();
    const migrated = l.estate.volumes.filter((v) => l.estate.keyOrigin.get(v.id) === 'migrated');
    expect(migrated.length).toBeGreaterThanOrEqual(4);
    const [expired, errored, shortKey, noAcl] = migrated;
    await l.fault({ type: 'expire-secret', volume: expired!.name });
    await l.fault({ type: 'secret-anomaly', volume: errored!.name, status: 'ERROR' });
    await l.fault({ type: 'secret-anomaly', volume: shortKey!.name, bitLength: 128 });
    await l.fault({ type: 'secret-anomaly', volume: noAcl!.name, aclUsers: [] });
    const snap = await pollOpenStack(l.watcher);
    expect(conditionsOf(snap, 'VOLUME_KEY_MISSING').find((c) => c.entity.type === 'volume')!.entity.id).toBe(expired!.id);
    const anomalies = Object.fromEntries(conditionsOf(snap, 'SECRET_ANOMALY').map((c) => [c.entity.id, c]));
    expect(Object.keys(anomalies).sort()).toEqual([errored!.keyId, shortKey!.keyId, noAcl!.keyId].sort());
    expect(anomalies[errored!.keyId!]).toMatchObject({ severity: 'critical' });
    expect(anomalies[errored!.keyId!]!.message).toContain('status is ERROR, not ACTIVE');
    expect(anomalies[shortKey!.keyId!]).toMatchObject({ severity: 'warning' });
    expect(anomalies[shortKey!.keyId!]!.message).toContain('bit_length 128 ≠ key_size 256');
    expect(anomalies[noAcl!.keyId!]!.message).toContain("the read ACL does not name the volume's user");
    expect(anomalies[noAcl!.keyId!]!.message).toContain(noAcl!.id);
    expect(snap.volumes.find((v) => v.id === noAcl!.id)!.keyState).toMatchObject({ state: 'anomalous', anomalies: ['acl-missing-user'] });
  });
});

describe('the ConfKeyManager → Barbican migration', () => {
  it('fixed_key removal is BLOCKED while any row uses the all-zero ID and SAFE after restarting cinder-volume and cinder-backup everywhere', async () => {
    const l = await start();
    const before = await pollOpenStack(l.watcher);
    const blocked = fixedKeyRemovalVerdict(before);
    expect(blocked.verdict).toBe('BLOCKED');
    expect(blocked.fixedKey).toEqual({ volumes: l.state().counts.volumes.fixedKey, snapshots: l.state().counts.snapshots.fixedKey, backups: l.state().counts.backups.fixedKey });
    expect(blocked.fixedKey.backups).toBeGreaterThan(0);

    // cinder-volume alone leaves the backups: still BLOCKED, naming them.
    for (const s of l.estate.services.filter((x) => x.binary === 'cinder-volume')) await l.fault({ type: 'restart-service', host: s.host });
    const half = fixedKeyRemovalVerdict(await pollOpenStack(l.watcher));
    expect(half.verdict).toBe('BLOCKED');
    expect(half.fixedKey).toMatchObject({ volumes: 0, snapshots: 0 });
    expect(half.reasons.join(' ')).toContain('backup(s) still use the all-zero key ID');

    await restartEverything(l);
    const after = await pollOpenStack(l.watcher);
    const safe = fixedKeyRemovalVerdict(after);
    expect(safe.verdict).toBe('SAFE');
    expect(l.state().counts).toMatchObject({ volumes: { fixedKey: 0 }, snapshots: { fixedKey: 0 }, backups: { fixedKey: 0 } });
    // The migrated secrets live in the service project with the volume user in their ACL: all verifiable.
    expect(after.counts.volumes.migrated).toBe(l.state().counts.volumes.secretPresent - l.state().counts.volumes.unreadable);
    expect(after.hosts.every((h) => h.state === 'done')).toBe(true);
    expect(kinds(after)).toEqual([]);
    expect(l.state().migrationLog.map((x) => x.message)).toContain("No volumes are using the ConfKeyManager's encryption_key_id.");
  });

  it('a host whose cinder-volume is down is reported stuck and keeps the verdict BLOCKED', async () => {
    const l = await start();
    const stuckHost = 'cinder-2@lvm';
    const fixedThere = l.state().hosts.find((h) => h.host === stuckHost)!.fixedKey;
    expect(fixedThere.volumes).toBeGreaterThan(0);
    await l.fault({ type: 'cinder-service', host: stuckHost, down: true });
    await restartEverything(l);
    const snap = await pollOpenStack(l.watcher);
    const stuck = conditionsOf(snap, 'FIXED_KEY_MIGRATION_STUCK');
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatchObject({ severity: 'warning', entity: { type: 'cinder-volume-host', id: stuckHost } });
    expect(stuck[0]!.message).toContain(`${stuckHost} down/enabled`);
    expect(snap.hosts.find((h) => h.group === stuckHost)).toMatchObject({ state: 'stuck', fixedKey: fixedThere });
    expect(snap.hosts.filter((h) => h.group !== stuckHost).every((h) => h.state === 'done')).toBe(true);
    const verdict = fixedKeyRemovalVerdict(snap);
    expect(verdict.verdict).toBe('BLOCKED');
    expect(verdict.fixedKey.volumes).toBe(fixedThere.volumes);
    expect(l.state().migrationLog.some((x) => x.host === stuckHost && x.message.includes('did not start'))).toBe(true);

    // A disabled service is stuck too; fixed, enabled and restarted, it migrates.
    await l.fault({ type: 'cinder-service', host: stuckHost, down: false, disabled: true, disabledReason: 'hardware check' });
    await l.fault({ type: 'restart-service', host: stuckHost });
    expect(l.state().hosts.find((h) => h.host === stuckHost)!.fixedKey.volumes).toBe(0);
    expect(fixedKeyRemovalVerdict(await pollOpenStack(l.watcher)).verdict).toBe('SAFE');
  });

  it('a pre-Queens backup whose volume is gone (no key ID anywhere) keeps the verdict BLOCKED after every restart', async () => {
    const l = await start({ orphanBackups: 1 });
    await restartEverything(l);
    const orphan = l.estate.backups.find((b) => b.name === 'orphan-backup-1')!;
    const snap = await pollOpenStack(l.watcher);
    const verdict = fixedKeyRemovalVerdict(snap);
    expect(verdict.verdict).toBe('BLOCKED');
    expect(verdict).toMatchObject({ fixedKey: { volumes: 0, snapshots: 0, backups: 0 }, unknown: { volumes: 0, snapshots: 0, backups: 1 } });
    expect(verdict.reasons.join(' ')).toContain(`its volume ${orphan.volumeId} no longer exists`);
    expect(l.state().counts.backups.fixedKey).toBe(1);
  });
});
