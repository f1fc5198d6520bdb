/**
 * The overview over what the poller stored from the real lab: every host READY at first, then a host
 * rebooted while no KMS node answers turns BLOCKED (its disk groups stay unmounted) and its peers
 * BLOCKED by cluster redundancy, the nodes read down, and the unmounted disk group alert is pinned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUntil, startPollHarness, type PollHarness } from '../poller/testing/harness';
import { readOverview, type OverviewView } from './overview';

const PROVIDER = 'lab-kms';

describe('overview', () => {
  let h: PollHarness;
  const read = () => readOverview({ prisma: h.prisma, staleAfterMs: () => 3600_000, workerStaleMs: 30_000, now: h.clock.now() });
  const cells = (o: OverviewView) => o.hosts.clusters.flatMap((c) => c.hosts);

  beforeAll(async () => {
    h = await startPollHarness();
    // The first KMS cycle runs before vCenter has told which keys are in use; the next one asks for them.
    await runUntil(h, async () => (await read()).hosts.counts.READY === (await h.state()).hosts.length, 60);
  }, 300_000);
  afterAll(() => h?.close());

  it('shows every host READY, every node up and the targets fresh on a healthy lab', async () => {
    const o = await read();
    const state = await h.state();
    expect(cells(o)).toHaveLength(state.hosts.length);
    expect(o.hosts.counts).toEqual({ READY: state.hosts.length, BLOCKED: 0, unknown: 0 });
    expect(o.hosts.clusters.map((c) => c.name).sort()).toEqual(state.clusters.map((c) => c.name).sort());
    const kms = o.providers.find((p) => p.id === PROVIDER)!;
    expect(kms.nodes).toHaveLength(3);
    expect(kms.nodes.every((n) => n.status === 'up' && n.latencyTrend.length === 12 && n.serverCertDaysLeft! > 14)).toBe(true);
    expect(kms.status).toBe('up');
    expect(o.freshness.map((f) => f.kind).sort()).toEqual(['kms', 'vcenter']);
    expect(o.freshness.every((f) => !f.stale)).toBe(true);
    expect(o.stale.targets).toEqual([]);
    expect(o.alerts.total).toBe(0);
  }, 60_000);

  it('turns the rebooted host BLOCKED when no KMS node answers, pins its unmounted disk groups, and reads the nodes down', async () => {
    const state = await h.state();
    const cluster = state.clusters.find((c) => c.encryption === 'standard')!;
    const victim = cluster.hostIds[0]!;
    for (const node of state.kms.nodes) await h.fault({ type: 'kms-node-down', node: node.id });
    await h.fault({ type: 'host-reboot', host: victim, wait: true });
    let o = await read();
    await runUntil(
      h,
      async () => {
        o = await read();
        return o.alerts.top[0]?.kind === 'DISK_GROUP_UNMOUNTED' && o.providers.find((p) => p.id === PROVIDER)!.status === 'down';
      },
      120,
    );
    const byName = new Map(cells(o).map((c) => [c[1], c]));
    const victimName = state.hosts.find((x) => x.id === victim)!.name;
    expect(byName.get(victimName)![2]).toBe('BLOCKED');
    expect(byName.get(victimName)![3]).toMatch(/./);
    for (const peer of cluster.hostIds.filter((id) => id !== victim)) {
      expect(byName.get(state.hosts.find((x) => x.id === peer)!.name)![2]).toBe('BLOCKED');
    }
    expect(o.alerts.top[0]!.pinned).toBe(true);
    expect(o.alerts.counts.critical).toBeGreaterThan(0);
    expect(o.providers.find((p) => p.id === PROVIDER)!.nodes.every((n) => n.status === 'down')).toBe(true);
    for (const node of state.kms.nodes) await h.fault({ type: 'kms-node-down', node: node.id, down: false });
  }, 180_000);
});
