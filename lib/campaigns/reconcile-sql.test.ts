import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../db/client';
import { createTestDatabase, type TestDatabase } from '../db/testing/test-database';
import { fixedInventory, type InventorySnapshot, type InventoryVm } from './inventory';
import type { ItemState } from './model';
import { aggregateCounts } from './progress-cache';
import { LOCKED_ON_TARGET_TEXT, reconcileInDatabase, snapshotObservations, storedObservations } from './reconcile-sql';
import { createCampaign, recomputeFromStoredInventory } from './store';
import { storeSnapshotAsInventory } from './testing/stored-snapshot';
import { syntheticSnapshot } from './testing/synthetic-inventory';

const actor = { type: 'user' as const, id: 'u1', name: 'alice' };
const now = new Date('2026-12-10T12:34:00.000Z');

const onTarget = (vm: InventoryVm, patch: Partial<InventoryVm> = {}): InventoryVm => ({
  ...vm,
  configKey: { keyId: `new-${vm.moid}`, providerId: 'kms' },
  disks: vm.disks.map((d) => ({ ...d, keyId: { keyId: `new-${vm.moid}`, providerId: 'kms' } })),
  ...patch,
});

describe('reconcile in PostgreSQL', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let base: InventorySnapshot;
  let vms: InventoryVm[];

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = createPrismaClient(db.url, 2);
    base = syntheticSnapshot({ vcenterId: 'vc-r', clusters: 1, hostsPerCluster: 2, vmsPerHost: 6, seed: 5 });
    vms = base.vms;
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  async function campaign(name: string): Promise<string> {
    const created = await createCampaign(
      prisma,
      { name, vcenterId: 'vc-r', sourceProviderId: 'nkp', targetProviderId: 'kms', scope: { type: 'clusters', clusterIds: ['domain-c1'] }, rekey: { vms: true, vsanKeks: true, hostKeys: true } },
      { actor, inventory: fixedInventory(base) },
    );
    return created.id;
  }
  const setState = (campaignId: string, entityMoid: string, state: ItemState, failureClass: string | null = null) =>
    prisma.campaignItem.updateMany({ where: { campaignId, entityMoid }, data: { state, failureClass, ...(state === 'verified' && { verifiedAt: new Date('2026-12-09T08:00:00Z') }) } });
  const itemsOf = async (campaignId: string, entityMoid: string) => prisma.campaignItem.findMany({ where: { campaignId, entityMoid }, orderBy: { position: 'asc' } });

  /** One VM per rule, the cluster's vSAN KEK and one host key on the target. */
  function scenario(): InventorySnapshot {
    const v = vms;
    return {
      ...base,
      vms: [
        onTarget(v[0]!), // pending → verified
        onTarget(v[1]!), // rekeyed → verified
        onTarget(v[2]!), // failed HA_RESET → verified, class cleared
        onTarget(v[3]!, { cryptoState: 'locked' }), // pending → failed KEY_INCORRECT
        onTarget(v[4]!, { connectionState: 'invalid' }), // rekeyed stays rekeyed, key refreshed
        onTarget(v[5]!, { connectionState: null }), // not read: verified
        v[6]!, // verified but on the source → pending
        v[7]!, // failed on the source: unchanged
        onTarget(v[8]!), // in-progress: key refreshed, state kept
        // v[9] missing from vCenter: everything kept
        ...v.slice(10),
      ],
      clusters: base.clusters.map((c) => ({ ...c, vsanKek: { keyId: 'kek-new', providerId: 'kms' } })),
      hosts: base.hosts.map((h, i) => (i === 0 ? { ...h, hostKey: { keyId: 'hk-new', providerId: 'kms' } } : h)),
    };
  }

  async function prepare(id: string): Promise<void> {
    await setState(id, vms[1]!.moid, 'rekeyed');
    await setState(id, vms[2]!.moid, 'failed', 'HA_RESET');
    await setState(id, vms[4]!.moid, 'rekeyed');
    await setState(id, vms[6]!.moid, 'verified');
    await setState(id, vms[7]!.moid, 'failed', 'POWERED_ON_UNSUPPORTED');
    await setState(id, vms[8]!.moid, 'in-progress');
    await setState(id, vms[9]!.moid, 'verified');
  }

  it('applies each rule once, writes only what changed, and returns the counts after the change', async () => {
    const id = await campaign('rules');
    await prepare(id);
    const snap = scenario();
    const out = await reconcileInDatabase(prisma, id, 'kms', snapshotObservations(snap), snap.readAt, now);
    const stateOf = async (i: number) => (await itemsOf(id, vms[i]!.moid)).map((r) => r.state);
    const all = (n: number, s: ItemState) => Array.from({ length: 1 + vms[n]!.disks.length }, () => s);
    expect(await stateOf(0)).toEqual(all(0, 'verified'));
    expect(await stateOf(1)).toEqual(all(1, 'verified'));
    const cleared = await itemsOf(id, vms[2]!.moid);
    expect(cleared.every((r) => r.state === 'verified' && r.failureClass === null && r.verifiedAt?.toISOString() === now.toISOString())).toBe(true);
    const locked = await itemsOf(id, vms[3]!.moid);
    expect(locked.every((r) => r.state === 'failed' && r.failureClass === 'KEY_INCORRECT' && r.errorText === LOCKED_ON_TARGET_TEXT && r.failedAt !== null)).toBe(true);
    const invalid = await itemsOf(id, vms[4]!.moid);
    expect(invalid.every((r) => r.state === 'rekeyed' && r.currentProviderId === 'kms' && r.currentKeyId === `new-${vms[4]!.moid}`)).toBe(true);
    expect(await stateOf(5)).toEqual(all(5, 'verified'));
    const reverted = await itemsOf(id, vms[6]!.moid);
    expect(reverted.every((r) => r.state === 'pending' && r.verifiedAt === null && r.currentProviderId === 'nkp')).toBe(true);
    expect((await itemsOf(id, vms[7]!.moid)).every((r) => r.state === 'failed' && r.failureClass === 'POWERED_ON_UNSUPPORTED')).toBe(true);
    const claimed = await itemsOf(id, vms[8]!.moid);
    expect(claimed.every((r) => r.state === 'in-progress' && r.currentProviderId === 'kms')).toBe(true);
    const gone = await itemsOf(id, vms[9]!.moid);
    expect(gone.every((r) => r.state === 'verified' && r.currentProviderId === 'nkp')).toBe(true);
    expect((await itemsOf(id, 'domain-c1'))[0]).toMatchObject({ kind: 'vsan-kek', state: 'verified', currentKeyId: 'kek-new' });
    expect((await itemsOf(id, base.hosts[0]!.moid))[0]).toMatchObject({ kind: 'host-key', state: 'verified', currentKeyId: 'hk-new' });
    expect((await itemsOf(id, base.hosts[1]!.moid))[0]).toMatchObject({ kind: 'host-key', state: 'pending', currentProviderId: 'nkp' });

    // Counted: VMs 0,1,2,5 (+ vSAN KEK, one host key) verified now; VM 9 verified before.
    const expectedTransitions = [0, 1, 2, 3, 5, 6].reduce((n, i) => n + 1 + vms[i]!.disks.length, 0) + 2;
    expect(out.transitions).toBe(expectedTransitions);
    expect(out.applied).toBe(out.planned);
    const stored = await aggregateCounts(prisma, id);
    expect(out.counts).toEqual({ ...stored, verifiedPerHour: expect.arrayContaining(stored.verifiedPerHour) });
    expect(out.counts.verifiedPerHour).toContainEqual({ hour: '2026-12-10T12', count: [0, 1, 2, 5].reduce((n, i) => n + 1 + vms[i]!.disks.length, 0) + 2 });
    expect(out.counts.vms).toMatchObject({ verified: 5, failed: 2 });

    // The same truth again: nothing to write.
    const again = await reconcileInDatabase(prisma, id, 'kms', snapshotObservations(snap), snap.readAt, now);
    expect(again).toMatchObject({ planned: 0, applied: 0, transitions: 0 });
  });

  it('the poller’s stored inventory gives the same items as the same snapshot in hand', async () => {
    const [a, b] = [await campaign('from snapshot'), await campaign('from stored')];
    await prepare(a);
    await prepare(b);
    const snap = scenario();
    await storeSnapshotAsInventory(prisma, snap);
    const fromSnapshot = await reconcileInDatabase(prisma, a, 'kms', snapshotObservations(snap), snap.readAt, now);
    const fromStored = await reconcileInDatabase(prisma, b, 'kms', storedObservations('vc-r'), snap.readAt, now);
    expect(fromStored).toEqual(fromSnapshot);
    const pick = async (id: string) =>
      (await prisma.campaignItem.findMany({ where: { campaignId: id }, orderBy: { position: 'asc' } })).map((r) => [r.id, r.state, r.failureClass, r.currentProviderId, r.currentKeyId]);
    expect(await pick(b)).toEqual(await pick(a));
    // The store's entry point: nothing left to change, the counts cached under the items' version.
    const result = await recomputeFromStoredInventory(prisma, b, { now: () => now });
    expect(result).toMatchObject({ changed: 0, cached: true });
  });

  it('an item written after the observation began keeps its state: an older read does not undo what the executor verified since', async () => {
    const id = await campaign('stale read');
    const readStarted = new Date(Date.now() - 60_000);
    // The executor verified VM 0 live just now; the poll that started a minute ago still saw it on the source.
    await setState(id, vms[0]!.moid, 'verified');
    await prisma.campaignItem.updateMany({ where: { campaignId: id, entityMoid: vms[0]!.moid }, data: { currentProviderId: 'kms' } });
    const stale = await reconcileInDatabase(prisma, id, 'kms', snapshotObservations(base), readStarted, now);
    expect((await itemsOf(id, vms[0]!.moid)).every((r) => r.state === 'verified' && r.currentProviderId === 'kms')).toBe(true);
    expect(stale.transitions).toBe(0);
    // A read that began after the write sees it off the target: pending again.
    const fresh = await reconcileInDatabase(prisma, id, 'kms', snapshotObservations(base), new Date(Date.now() + 1000), now);
    expect((await itemsOf(id, vms[0]!.moid)).every((r) => r.state === 'pending' && r.currentProviderId === 'nkp')).toBe(true);
    expect(fresh.transitions).toBe(1 + vms[0]!.disks.length);
  });
});
