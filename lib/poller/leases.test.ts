import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../db/client';
import { createTestDatabase, type TestDatabase } from '../db/testing/test-database';
import { createVcenter, updateVcenter } from '../targets/store';
import { claimDue, holdsLease, syncPollStates } from './leases';
import { testBox } from './testing/harness';

/** Lease rows on a real PostgreSQL: exclusive claims, expiry, fencing, edits making a target due. */
describe('poll leases', () => {
  let db: TestDatabase;
  let a: PrismaClient;
  let b: PrismaClient;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = createPrismaClient(db.url, 4);
    b = createPrismaClient(db.url, 4);
  });
  afterAll(async () => {
    await Promise.all([a?.$disconnect(), b?.$disconnect()]);
    await db?.drop();
  });

  it('two workers claiming at once never get the same target; an expired lease is claimable; the holder is fenced', async () => {
    const box = testBox();
    for (let i = 0; i < 6; i++) await createVcenter(a, box, { name: `vc-${i}`, url: `https://vc-${i}.example.test`, username: 'u', password: 'p' });
    const now = new Date();
    await syncPollStates(a, now);
    const [first, second] = await Promise.all([claimDue(a, 'vcenter', 'worker-a', now, 4, 60_000), claimDue(b, 'vcenter', 'worker-b', now, 4, 60_000)]);
    const ids = [...first, ...second].map((c) => c.targetId);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    // Nothing left while the leases hold.
    expect(await claimDue(a, 'vcenter', 'worker-a', new Date(now.getTime() + 30_000), 10, 60_000)).toEqual([]);
    // After expiry another worker takes them; the old holder can no longer commit.
    const later = new Date(now.getTime() + 61_000);
    const taken = await claimDue(b, 'vcenter', 'worker-c', later, 10, 60_000);
    expect(taken).toHaveLength(6);
    const stale = first[0]!;
    expect(await a.$transaction((tx) => holdsLease(tx, stale, 'worker-a'))).toBe(false);
    expect(await a.$transaction((tx) => holdsLease(tx, taken.find((c) => c.targetId === stale.targetId)!, 'worker-c'))).toBe(true);
  });

  it('a target edited in Settings is due again at once', async () => {
    const box = testBox();
    const vc = await createVcenter(a, box, { name: 'vc-edit', url: 'https://vc-edit.example.test', username: 'u', password: 'p' });
    const now = new Date();
    await syncPollStates(a, now);
    await a.pollState.update({ where: { vcenterId: vc.id }, data: { nextDueAt: new Date(now.getTime() + 3600_000), leaseOwner: null, leaseExpiresAt: null } });
    await syncPollStates(a, now);
    expect((await a.pollState.findUniqueOrThrow({ where: { vcenterId: vc.id } })).nextDueAt.getTime()).toBeGreaterThan(now.getTime());
    await updateVcenter(a, box, vc.id, { username: 'svc-keywatch', password: 'p2' });
    await syncPollStates(a, now);
    expect((await a.pollState.findUniqueOrThrow({ where: { vcenterId: vc.id } })).nextDueAt.getTime()).toBe(now.getTime());
  });
});
