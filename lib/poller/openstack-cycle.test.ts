/**
 * OpenStack polling end to end against the lab cloud (Keystone, Barbican, Cinder over HTTPS) and a
 * real PostgreSQL: a poll is stored and matches the lab's ground truth, a poll with nothing changed
 * writes no observation row, a deleted secret opens VOLUME_KEY_MISSING naming the volume, Barbican
 * down opens BARBICAN_DOWN on the next poll without losing a stored key state, and each resolves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuietOpenStackLab } from '../../lab/openstack/testing';
import type { OpenStackLab } from '../../lab/openstack/server';
import { createOpenstackCloud } from '../targets/openstack-store';
import { pollDue } from './due-targets';
import { useTestDatabase } from '../db/testing/use-test-database';
import { captureLogger, DEFAULT_SETTINGS, testBox, TestClock } from './testing/harness';
import type { CycleDeps } from './cycle';

describe('polling an OpenStack cloud', () => {
  const database = useTestDatabase(4);
  let lab: OpenStackLab;
  let cloudId: string;
  let deps: CycleDeps;
  const clock = new TestClock();

  beforeAll(async () => {
    lab = await startQuietOpenStackLab({ estate: { seed: 7 } });
    const { prisma } = database.db();
    const box = testBox();
    const w = lab.watcher;
    const cloud = await createOpenstackCloud(prisma, box, {
      name: 'lab-openstack',
      authUrl: w.authUrl,
      username: w.username,
      password: w.password,
      userDomain: 'Default',
      projectName: w.projectName,
      projectDomain: 'Default',
      region: w.region,
      interface: 'public',
      caPem: w.caPem,
    });
    cloudId = cloud.id;
    deps = { prisma, box, workerId: 'worker-os', now: clock.now, logger: captureLogger().logger, settings: DEFAULT_SETTINGS };
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  /** Moves past the interval and polls the cloud once. */
  async function poll() {
    clock.advance(DEFAULT_SETTINGS.vcenterIntervalMs + 1000);
    const results = await pollDue(deps, 'openstack', 4);
    expect(results).toHaveLength(1);
    return results[0]!;
  }

  const openAlerts = (kind: string) => database.db().prisma.alert.findMany({ where: { state: 'open', kind }, orderBy: { entityId: 'asc' } });

  async function storedCounts(kind: string) {
    const rows = await database.db().prisma.osRow.groupBy({ by: ['keyState'], where: { cloudId, kind }, _count: true });
    return Object.fromEntries(rows.map((r) => [r.keyState, r._count]));
  }

  it('stores every volume, snapshot and backup with the key state the lab says they have', async () => {
    const first = await poll();
    expect(first.outcome).toBe('success');
    const truth = lab.state();
    for (const [kind, plural] of [['volume', 'volumes'], ['snapshot', 'snapshots'], ['backup', 'backups']] as const) {
      const c = await storedCounts(kind);
      const t = truth.counts[plural];
      const total = Object.values(c).reduce((a, b) => a + b, 0);
      expect(total, `${plural} stored`).toBe(t.total);
      expect(c.unencrypted ?? 0, `${plural} unencrypted`).toBe(t.unencrypted);
      expect(c['fixed-key'] ?? 0, `${plural} on the fixed key`).toBe(t.fixedKey);
      expect(c.dangling ?? 0).toBe(t.secretMissing);
      expect(c['cannot-verify'] ?? 0).toBe(t.unreadable);
    }
    const state = await database.db().prisma.osCloudState.findUniqueOrThrow({ where: { id: cloudId } });
    expect(state.barbicanApi).toBe('ok');
    expect(await database.db().prisma.osSecret.count({ where: { cloudId } })).toBeGreaterThan(0);
    expect(await openAlerts('VOLUME_KEY_MISSING')).toHaveLength(0);
  });

  it('a poll with nothing changed writes no observation row', async () => {
    const before = await database.db().prisma.osRow.findMany({ where: { cloudId }, select: { id: true, changedAt: true } });
    const again = await poll();
    expect(again.outcome).toBe('success');
    const after = await database.db().prisma.osRow.findMany({ where: { cloudId }, select: { id: true, changedAt: true } });
    expect(after).toEqual(before);
    // Poll state, the run record and Barbican's samples only.
    expect(again.rowsWritten).toBeLessThanOrEqual(6);
  });

  it('a deleted secret raises VOLUME_KEY_MISSING naming the volume; an expired one too, resolved when it is back', async () => {
    const migrated = await database.db().prisma.osRow.findMany({ where: { cloudId, kind: 'volume', keyState: 'migrated' }, orderBy: { osId: 'asc' }, take: 2 });
    expect(migrated).toHaveLength(2);
    const [deleted, expired] = migrated as [(typeof migrated)[0], (typeof migrated)[0]];
    await lab.fault({ type: 'delete-secret', volume: deleted.osId });
    await lab.fault({ type: 'expire-secret', volume: expired.osId });
    await poll();
    const missing = await openAlerts('VOLUME_KEY_MISSING');
    const names = missing.map((a) => a.entityName);
    expect(names).toContain(deleted.name);
    expect(names).toContain(expired.name);
    const alert = missing.find((a) => a.entityName === deleted.name)!;
    expect(alert.title).toContain(deleted.name!);
    expect(alert.cause).toContain(deleted.keyId!);
    expect(alert.runbook).toMatch(/Barbican/);
    expect((await database.db().prisma.osRow.findUniqueOrThrow({ where: { id: deleted.id } })).keyState).toBe('dangling');

    // The expired secret comes back (an expiration far ahead): its alert resolves, the deleted one's stays.
    await lab.fault({ type: 'expire-secret', volume: expired.osId, at: new Date(Date.now() + 400 * 86_400_000).toISOString() });
    await poll();
    const still = (await openAlerts('VOLUME_KEY_MISSING')).map((a) => a.entityName);
    expect(still).toContain(deleted.name);
    expect(still).not.toContain(expired.name);
    const resolved = await database.db().prisma.alert.findFirstOrThrow({ where: { kind: 'VOLUME_KEY_MISSING', entityName: expired.name! } });
    expect(resolved.state).toBe('resolved');
    // Back, but with an expiration set: that is an anomaly of its own.
    expect((await openAlerts('SECRET_ANOMALY')).map((a) => a.entityName)).toContain(expired.keyId);
  });

  it('Barbican down raises BARBICAN_DOWN on the next poll and keeps the stored key states; up again resolves it', async () => {
    const statesBefore = await storedCounts('volume');
    await lab.fault({ type: 'barbican-down', mode: 'refused' });
    try {
      const down = await poll();
      expect(down.outcome).toBe('partial');
      const alerts = await openAlerts('BARBICAN_DOWN');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.entityId).toBe(cloudId);
      expect(alerts[0]!.cause).toMatch(/down/);
      expect(await storedCounts('volume')).toEqual(statesBefore);
      // The dangling volume keeps its alert while Barbican cannot be asked.
      expect((await openAlerts('VOLUME_KEY_MISSING')).length).toBeGreaterThan(0);
    } finally {
      await lab.fault({ type: 'barbican-up' });
    }
    await poll();
    expect(await openAlerts('BARBICAN_DOWN')).toHaveLength(0);
  });

  it('a cinder-volume host whose service is down is reported as stuck', async () => {
    const host = lab.state().hosts.find((h) => h.fixedKey.volumes > 0)!;
    expect(host).toBeDefined();
    await lab.fault({ type: 'cinder-service', host: host.host, down: true });
    await poll();
    const stuck = await openAlerts('FIXED_KEY_MIGRATION_STUCK');
    expect(stuck.map((a) => a.entityName)).toContain(host.host);
    await lab.fault({ type: 'cinder-service', host: host.host, down: false });
    await lab.fault({ type: 'restart-service', host: host.host });
    await poll();
    expect((await openAlerts('FIXED_KEY_MIGRATION_STUCK')).map((a) => a.entityName)).not.toContain(host.host);
  });
});
