/**
 * Live readiness checks against the real lab (vCenter over HTTPS, KMS nodes over KMIP) with the
 * estate stored by the poller's own cycle in a real PostgreSQL — the scenarios on the check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollHarness } from '../poller/testing/harness';
import { checkHostReadiness } from './check';
import { planCluster } from './cluster-plan';
import type { HostAction } from './input';
import { createReadinessSources, resolveHost } from './sources';
import { startGateLab } from './testing/lab-gate';

describe('live readiness check against the lab', () => {
  let h: PollHarness;
  let hostId: string;
  let hostName: string;
  let peerId: string;
  let clusterId: string;

  const check = async (action: HostAction = 'reboot', id = hostId) => {
    const host = await resolveHost(h.prisma, id);
    const sources = createReadinessSources({ prisma: h.prisma, box: h.box, vcenterId: host.vcenterId });
    try {
      return await checkHostReadiness(sources, host.moid, action);
    } finally {
      await sources.close();
    }
  };
  const rule = (r: Awaited<ReturnType<typeof check>>, id: string) => r.rules.find((x) => x.id === id)!;

  beforeAll(async () => {
    ({ h, hostId, hostName, peerId, clusterId } = await startGateLab());
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('healthy estate → READY, found by managed object id and by name, with every node probed', async () => {
    const result = await check('reboot', hostName);
    expect(result.blocking).toEqual([]);
    expect(result.verdict).toBe('READY');
    expect(result.source).toBe('live');
    const nodes = rule(result, 'KMS_NODE_REACHABLE').evidence.filter((e) => e.kind === 'node');
    expect(nodes).toHaveLength(3);
    expect((await check('enter-maintenance')).verdict).toBe('READY');
  });

  it('unknown host → not-found', async () => {
    await expect(resolveHost(h.prisma, 'no-such-host')).rejects.toMatchObject({ status: 404 });
  });

  it("rolling plan from one live read of the cluster: a host in maintenance is in progress, the others wait for it; unknown cluster → 404", async () => {
    const healthy = await planCluster({ prisma: h.prisma, box: h.box }, clusterId);
    expect(healthy.hosts).toHaveLength(3);
    expect(healthy.hosts.map((x) => x.state).sort()).toEqual(['next', 'waiting', 'waiting']);
    expect(healthy.hosts.find((x) => x.state === 'next')!.step).toBe(1);
    const peer = await resolveHost(h.prisma, peerId);
    const sources = createReadinessSources({ prisma: h.prisma, box: h.box, vcenterId: peer.vcenterId });
    try {
      const c = await sources.client();
      await c.waitForTask(await c.enterMaintenanceMode(peerId));
      const plan = await planCluster({ prisma: h.prisma, box: h.box }, clusterId);
      expect(plan.next).toEqual({ hostId: peer.rowId, hostName: peer.name });
      const me = plan.hosts.find((x) => x.hostName === hostName)!;
      expect(me).toMatchObject({ state: 'waiting', waitsFor: [peer.name], blocking: [] });
      // The same host checked alone sees the same: CLUSTER_REDUNDANCY names the peer.
      expect(rule(await check(), 'CLUSTER_REDUNDANCY').evidence.map((e) => e.id)).toEqual([peerId]);
      await c.waitForTask(await c.exitMaintenanceMode(peerId));
    } finally {
      await sources.close();
    }
    await expect(planCluster({ prisma: h.prisma, box: h.box }, 'no-such-cluster')).rejects.toMatchObject({ status: 404 });
  });

  it('a KMS node moved to another port → KMS_NODE_REACHABLE warns; every node moved → BLOCKED; restored → READY', async () => {
    const nodes = h.lab.kms.nodes;
    await h.fault({ type: 'kms-node-port', node: nodes[0]!.id, port: 1 + nodes[0]!.port + 1000 });
    const one = await check();
    expect(rule(one, 'KMS_NODE_REACHABLE').status).toBe('warn');
    for (const n of nodes.slice(1)) await h.fault({ type: 'kms-node-port', node: n.id, port: n.port + 1001 });
    const all = await check();
    expect(all.verdict).toBe('BLOCKED');
    expect(all.blocking).toContain('KMS_NODE_REACHABLE');
    for (const n of nodes) await h.fault({ type: 'kms-node-port', node: n.id });
    const back = await check();
    expect(back.blocking).toEqual([]);
  });

  it("a VM's key deleted on one node → KEYS_AVAILABLE warns; on every node → fails naming VM and key", async () => {
    const state = await h.state();
    const vm = state.vms!.find((v) => v.hostId === hostId && v.configKey?.providerId === 'lab-kms')!;
    const keyId = vm.configKey!.keyId;
    await h.fault({ type: 'kms-delete-key', node: h.lab.kms.nodes[0]!.id, keyId });
    expect(rule(await check(), 'KEYS_AVAILABLE').status).toBe('warn');
    for (const n of h.lab.kms.nodes.slice(1)) await h.fault({ type: 'kms-delete-key', node: n.id, keyId });
    const result = await check();
    const keys = rule(result, 'KEYS_AVAILABLE');
    expect(keys.status).toBe('fail');
    expect(keys.evidence.map((e) => e.detail).join('\n')).toContain(keyId);
    expect(keys.evidence.map((e) => e.detail).join('\n')).toContain(vm.name);
    expect(result.verdict).toBe('BLOCKED');
  });

  it('another host of the cluster in maintenance → CLUSTER_REDUNDANCY blocks', async () => {
    const peer = await resolveHost(h.prisma, peerId);
    const sources = createReadinessSources({ prisma: h.prisma, box: h.box, vcenterId: peer.vcenterId });
    try {
      const c = await sources.client();
      await c.waitForTask(await c.enterMaintenanceMode(peerId));
      const result = await check();
      expect(rule(result, 'CLUSTER_REDUNDANCY').status).toBe('fail');
      await c.waitForTask(await c.exitMaintenanceMode(peerId));
    } finally {
      await sources.close();
    }
  });

  it('a KMS appliance VM moved onto the encrypted vSAN datastore it unlocks → KMS_NOT_SELF_HOSTED fails', async () => {
    expect(rule(await check(), 'KMS_NOT_SELF_HOSTED').status).toBe('pass');
    await h.fault({ type: 'kms-self-hosted', on: true });
    try {
      const result = await check();
      const selfHosted = rule(result, 'KMS_NOT_SELF_HOSTED');
      expect(selfHosted.status).toBe('fail');
      expect(selfHosted.evidence.map((e) => e.detail).join('\n')).toMatch(/encrypted vSAN datastore/);
      expect(result.verdict).toBe('BLOCKED');
    } finally {
      await h.fault({ type: 'kms-self-hosted', on: false });
    }
  });

  it('vCenter down → BLOCKED by VC_REACHABLE from the stored fallback', async () => {
    await h.fault({ type: 'vcenter-unavailable', on: true });
    try {
      const result = await check();
      expect(result.source).toBe('stored');
      expect(result.blocking).toContain('VC_REACHABLE');
    } finally {
      await h.fault({ type: 'vcenter-unavailable', on: false }).catch(() => undefined);
    }
  });
});
