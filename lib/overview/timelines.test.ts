import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../db/testing/use-test-database';
import { hostAlertTimeline } from './timelines';

describe('a host\'s alert timeline', () => {
  const t = useTestDatabase();
  const now = new Date('2026-11-30T12:00:00Z');
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);

  it('holds the host\'s own alerts, its disk groups\' and its VMs\' (VM_LOCKED), not another host\'s', async () => {
    const { prisma } = t.db();
    const vc = await prisma.vcenterTarget.create({ data: { name: 'vc', url: 'https://vc.example', username: 'u', passwordEnc: 'x' } });
    const host = (moid: string) => ({ id: `${vc.id}:${moid}`, vcenterId: vc.id, moid, name: `${moid}.example`, connectionState: 'connected', inMaintenanceMode: false, changedAt: now });
    await prisma.vcHost.createMany({ data: [host('host-1'), host('host-2')] });
    const alert = (kind: string, entityType: string, entityId: string, minutesAgo: number, details: Record<string, unknown> | null = null, resolvedMinutesAgo: number | null = null) => ({
      kind,
      severity: 'critical',
      state: resolvedMinutesAgo === null ? 'open' : 'resolved',
      scope: `vcenter:${vc.id}`,
      targetId: vc.id,
      entityType,
      entityId,
      entityName: entityId,
      title: `${kind} ${entityId}`,
      cause: 'c',
      runbook: 'r',
      details: details ? JSON.stringify(details) : null,
      firstSeenAt: at(minutesAgo),
      lastSeenAt: at(0),
      resolvedAt: resolvedMinutesAgo === null ? null : at(resolvedMinutesAgo),
    });
    await prisma.alert.createMany({
      data: [
        alert('HOST_KMS_UNREACHABLE', 'host', `${vc.id}:host-1`, 30),
        alert('DISK_GROUP_UNMOUNTED', 'diskGroup', `${vc.id}:host-1:52f0`, 20, null, 5),
        alert('VM_LOCKED', 'vm', `${vc.id}:vm-7`, 10, { vm: 'app-7', host: 'host-1.example', hostId: `${vc.id}:host-1` }),
        alert('VM_LOCKED', 'vm', `${vc.id}:vm-8`, 10, { vm: 'app-8', host: 'host-2.example', hostId: `${vc.id}:host-2` }),
        alert('HOST_KMS_UNREACHABLE', 'host', `${vc.id}:host-2`, 30),
        // Resolved before the window: not in it.
        alert('VM_LOCKED', 'vm', `${vc.id}:vm-9`, 200, { hostId: `${vc.id}:host-1` }, 100),
      ],
    });

    const timeline = await hostAlertTimeline(prisma, { host: 'host-1.example', range: '1h' }, now);
    expect(timeline.host).toEqual({ id: `${vc.id}:host-1`, name: 'host-1.example' });
    expect(timeline.alerts.map((a) => [a.kind, a.title, a.open])).toEqual([
      ['HOST_KMS_UNREACHABLE', `HOST_KMS_UNREACHABLE ${vc.id}:host-1`, true],
      ['DISK_GROUP_UNMOUNTED', `DISK_GROUP_UNMOUNTED ${vc.id}:host-1:52f0`, false],
      ['VM_LOCKED', `VM_LOCKED ${vc.id}:vm-7`, true],
    ]);
    const other = await hostAlertTimeline(prisma, { host: `${vc.id}:host-2`, range: '1h' }, now);
    expect(other.alerts.map((a) => a.title)).toEqual([`HOST_KMS_UNREACHABLE ${vc.id}:host-2`, `VM_LOCKED ${vc.id}:vm-8`]);
  });
});
