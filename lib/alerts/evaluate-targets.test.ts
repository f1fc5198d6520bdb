import { describe, expect, it } from 'vitest';
import { syncPollStates } from '../poller/leases';
import { useTestDatabase } from '../db/testing/use-test-database';
import { testBox } from '../poller/testing/harness';
import { createVcenter, deleteVcenter } from '../targets/store';
import { vcenterScope } from './catalog';
import { evaluateTargetAlerts } from './evaluate-targets';
import { reconcileAlerts } from './reconcile';

describe('time-driven target alerts', () => {
  const { db } = useTestDatabase();

  it('DATA_STALE opens when nobody polls a target, resolves when it is fresh again; a removed target takes its alerts along', async () => {
    const { prisma } = db();
    const box = testBox();
    const vc = await createVcenter(prisma, box, { name: 'vc-1', url: 'https://vc-1.example.test', username: 'u', password: 'p' });
    const created = (await prisma.vcenterTarget.findUniqueOrThrow({ where: { id: vc.id } })).createdAt;
    const stale = (ms: number) => () => ms;
    await syncPollStates(prisma, created);
    expect((await evaluateTargetAlerts(prisma, stale(180_000), new Date(created.getTime() + 60_000))).opened).toBe(0);
    const later = new Date(created.getTime() + 200_000);
    expect((await evaluateTargetAlerts(prisma, stale(180_000), later)).opened).toBe(1);
    const alert = await prisma.alert.findFirstOrThrow({ where: { kind: 'DATA_STALE', state: 'open' } });
    expect(alert.entityId).toBe(vc.id);
    expect(alert.cause).toMatch(/never been polled successfully/);

    await prisma.pollState.update({ where: { vcenterId: vc.id }, data: { lastSuccessAt: later } });
    expect((await evaluateTargetAlerts(prisma, stale(180_000), new Date(later.getTime() + 1000))).resolved).toBe(1);

    // An alert of the vCenter's own scope, then the vCenter is removed in Settings.
    await prisma.$transaction((tx) =>
      reconcileAlerts(tx, vcenterScope(vc.id), [{ kind: 'VM_LOCKED', severity: 'critical', entityType: 'vm', entityId: `${vc.id}:vm-1`, entityName: 'vm-1', targetId: vc.id, title: 't', cause: 'c', runbook: 'r' }], later),
    );
    await deleteVcenter(prisma, vc.id, { force: true });
    const result = await evaluateTargetAlerts(prisma, stale(180_000), new Date(later.getTime() + 2000));
    expect(result.resolved).toBe(1);
    expect(await prisma.alert.count({ where: { state: 'open' } })).toBe(0);
  });
});
