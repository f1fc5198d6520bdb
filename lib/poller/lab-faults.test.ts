/**
 * The five lab faults the Lab page gained, each against the real lab and a real PostgreSQL: the
 * fault goes in through the lab's own POST /lab/faults, the poller (and, where DESIGN.md §4 says
 * the fault matters for a reboot, the live readiness check) must notice it, and undoing the fault
 * must clear what Keywatch raised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostReadiness } from '../readiness/check';
import { createReadinessSources, resolveHost } from '../readiness/sources';
import { openVcenterCredentials } from '../targets/store';
import { VsphereClient } from '../vsphere/client';
import { openAlerts, runUntil, startPollHarness, type LabState, type PollHarness } from './testing/harness';

/** The lab hosts' key retry: short, so that hosts recover within the test. */
const KEY_RETRY_MS = 2_000;

describe('lab faults Keywatch must notice', () => {
  let h: PollHarness;
  let state: LabState;
  /** A host of the KMS-encrypted vSAN cluster, and one of the NKP-encrypted one. */
  let standardHost: string;
  let nativeHost: string;

  const check = async (hostId: string) => {
    const host = await resolveHost(h.prisma, hostId);
    const sources = createReadinessSources({ prisma: h.prisma, box: h.box, vcenterId: host.vcenterId });
    try {
      return await checkHostReadiness(sources, host.moid, 'reboot');
    } finally {
      await sources.close();
    }
  };
  const rule = (r: Awaited<ReturnType<typeof check>>, id: string) => r.rules.find((x) => x.id === id)!;
  const lastRun = (targetId: string) => h.prisma.pollRun.findFirstOrThrow({ where: { targetId }, orderBy: { startedAt: 'desc' } });

  beforeAll(async () => {
    h = await startPollHarness({ lab: { timings: { rebootDownMs: 150, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10, keyRetryMs: KEY_RETRY_MS } } });
    state = await h.state();
    // A host of the KMS-encrypted cluster running a VM encrypted by the lab KMS, and none by the NKP.
    const vmsOn = (hostId: string) => state.vms!.filter((v) => v.hostId === hostId);
    standardHost = state.clusters
      .find((c) => c.encryption === 'standard')!
      .hostIds.find((id) => vmsOn(id).some((v) => v.configKey?.providerId === 'lab-kms' && v.powerState === 'poweredOn') && !vmsOn(id).some((v) => v.configKey?.providerId === 'lab-nkp'))!;
    expect(standardHost).toBeDefined();
    nativeHost = state.clusters.find((c) => c.encryption === 'native')!.hostIds[0]!;
    await h.pollAll();
    h.clock.advance(10_000);
    await h.pollAll();
    expect(await openAlerts(h)).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('kms-node-certificate-expiring → KMS_CERT_EXPIRING for that node (critical at 5 days) and CERTS_VALID warns; its normal certificate back → resolved', async () => {
    const node = h.lab.kms.nodes[1]!;
    await h.fault({ type: 'kms-node-certificate-expiring', node: node.id, days: 5 });
    await runUntil(h, async () => (await openAlerts(h, 'KMS_CERT_EXPIRING')).length > 0, 30);
    const [alert] = await openAlerts(h, 'KMS_CERT_EXPIRING');
    expect(alert!.severity).toBe('critical');
    expect(alert!.entityName).toContain(node.id);
    expect(alert!.title).toMatch(/expires in [45] days/);
    expect(await openAlerts(h, 'KMS_NODE_DOWN')).toEqual([]);

    const certs = rule(await check(standardHost), 'CERTS_VALID');
    expect(certs.status).toBe('warn');
    expect(JSON.stringify(certs.evidence)).toContain(`${node.host}:${node.port}`);

    await h.fault({ type: 'kms-node-certificate-expiring', node: node.id });
    await runUntil(h, async () => (await openAlerts(h, 'KMS_CERT_EXPIRING')).length === 0, 30);
    expect(rule(await check(standardHost), 'CERTS_VALID').status).toBe('pass');
  }, 120_000);

  it('kms-replication-lag → a VM rekeyed meanwhile gets a key only its first node has: KEY_MISSING_ON_NODE per lagging node and KEYS_AVAILABLE warns; lag 0 → nodes catch up and the alerts resolve', async () => {
    const vm = state.vms!.find((v) => v.hostId === standardHost && v.configKey?.providerId === 'lab-kms' && v.powerState === 'poweredOn')!;
    let newKey = '';
    await h.fault({ type: 'kms-replication-lag', ms: 600_000 });
    try {
      // The rekey a campaign would run, through Keywatch's own vSphere client.
      const creds = await openVcenterCredentials(h.prisma, h.box, h.vcenterId);
      const client = new VsphereClient({ baseUrl: creds.url, username: creds.username, password: creds.password, caPem: creds.caPem ?? undefined });
      try {
        const key = await client.generateKey('lab-kms');
        newKey = key.keyId;
        const info = await client.waitForTask(await client.shallowRekeyVm(vm.id, key), { pollIntervalMs: 50 });
        expect(info.state).toBe('success');
      } finally {
        await client.close();
      }
      expect((await h.state()).kms.nodes.map((n) => n.keys.some((k) => k.id === newKey))).toEqual([true, false, false]);

      await runUntil(h, async () => (await openAlerts(h, 'KEY_MISSING_ON_NODE')).length === 2, 60);
      const missing = await openAlerts(h, 'KEY_MISSING_ON_NODE');
      expect(missing.map((a) => a.severity)).toEqual(['warning', 'warning']);
      expect(missing.every((a) => a.title.includes(newKey) && /replication gap/.test(a.cause))).toBe(true);
      expect(missing.map((a) => /kms-\d/.exec(a.entityName)![0]).sort()).toEqual(['kms-2', 'kms-3']);
      const keys = rule(await check(standardHost), 'KEYS_AVAILABLE');
      expect(keys.status).toBe('warn');
      expect(JSON.stringify(keys.evidence)).toContain(newKey);
    } finally {
      await h.fault({ type: 'kms-replication-lag', ms: 0 });
    }
    // Lag 0: the copies in flight arrive at once.
    expect((await h.state()).kms.nodes.every((n) => n.keys.some((k) => k.id === newKey))).toBe(true);
    await runUntil(h, async () => (await openAlerts(h, 'KEY_MISSING_ON_NODE')).length === 0, 30);
    expect(rule(await check(standardHost), 'KEYS_AVAILABLE').status).toBe('pass');
  }, 120_000);

  it("provider-details-error → the vCenter poll is partial and says which of vCenter's KMS status reads failed; off → a full read again", async () => {
    await h.fault({ type: 'provider-details-error', on: true });
    h.clock.advance(30_000);
    const results = await h.pollAll();
    const vc = results.find((r) => r.kind === 'vcenter')!;
    expect(vc.outcome).toBe('partial');
    expect(vc.error).toMatch(/vCenter's KMS server status: .*system error/i);
    expect(vc.error).toMatch(/vCenter's key status: .*system error/i);
    const run = await lastRun(h.vcenterId);
    expect(run.outcome).toBe('partial');
    expect(run.error).toBe(vc.error);
    // The rest of the reading still stands: vCenter is not called unreachable, its data not stale.
    expect(await openAlerts(h, 'VCENTER_UNREACHABLE')).toEqual([]);
    expect(await openAlerts(h, 'DATA_STALE')).toEqual([]);
    expect((await h.prisma.pollState.findFirstOrThrow({ where: { vcenterId: h.vcenterId } })).lastSuccessAt!.getTime()).toBe(run.endedAt.getTime());

    await h.fault({ type: 'provider-details-error', on: false });
    h.clock.advance(30_000);
    const after = (await h.pollAll()).find((r) => r.kind === 'vcenter')!;
    expect(after.outcome).toBe('success');
    expect((await lastRun(h.vcenterId)).error).toBeNull();
  }, 120_000);

  it('nkp-unavailable → HOST_KMS_UNREACHABLE (→ lab-nkp) for the hosts of the NKP cluster among others, and KEYS_AVAILABLE blocks their reboot (their keys come from the NKP); available again → resolved, READY', async () => {
    const nativeHosts = state.clusters.find((c) => c.encryption === 'native')!.hostIds;
    const names = new Map(state.hosts.map((x) => [x.id, x.name]));
    const nkpAlerts = async () => (await openAlerts(h, 'HOST_KMS_UNREACHABLE')).map((a) => a.entityName);
    await h.fault({ type: 'nkp-unavailable', on: true });
    try {
      await runUntil(h, async () => {
        const open = await nkpAlerts();
        return nativeHosts.every((id) => open.includes(`${names.get(id)} → lab-nkp`));
      }, 60);
      const alerts = await openAlerts(h, 'HOST_KMS_UNREACHABLE');
      // vCenter reports the NKP in ERROR from every host; only the provider that fails is named.
      expect(alerts.every((a) => a.entityName.endsWith(' → lab-nkp'))).toBe(true);
      const nativeAlert = alerts.find((a) => a.entityName.startsWith(`${names.get(nativeHost)} →`))!;
      expect(nativeAlert.cause).toMatch(/Native key provider lab-nkp is not available/);
      // An NKP has no KMS nodes: the runbook points at vCenter's provider, not at TCP 5696.
      expect(nativeAlert.title).toBe(`${names.get(nativeHost)} cannot use native key provider lab-nkp`);
      expect(nativeAlert.runbook).toMatch(/Key Providers/);
      expect(nativeAlert.runbook).not.toMatch(/5696/);

      const blocked = await check(nativeHost);
      expect(blocked.verdict).toBe('BLOCKED');
      // Its vSAN KEK and host key come from the NKP, which vCenter reports as ERROR.
      const keys = rule(blocked, 'KEYS_AVAILABLE');
      expect(keys.status).toBe('fail');
      expect(keys.evidence.map((e) => e.detail).join('\n')).toMatch(/vSAN KEK of cluster .* is held by native key provider lab-nkp, which vCenter reports as ERROR/);
      // A host that needs nothing from the NKP may still reboot.
      expect((await check(standardHost)).verdict).toBe('READY');
    } finally {
      await h.fault({ type: 'nkp-unavailable', on: false });
    }
    await runUntil(h, async () => (await openAlerts(h, 'HOST_KMS_UNREACHABLE')).length === 0, 60);
    expect((await check(nativeHost)).verdict).toBe('READY');
  }, 120_000);

  it('kms-self-hosted → KMS_SELF_HOSTED names the KMS VM and KMS_NOT_SELF_HOSTED fails the hosts of the cluster it protects; moved back → resolved, READY', async () => {
    const applied = await h.fault({ type: 'kms-self-hosted', on: true });
    expect(applied).toMatch(/^kms-1 \(vm-\d+\) now runs on host-\d+ from vsanDatastore-/);
    h.clock.advance(30_000);
    await runUntil(h, async () => (await openAlerts(h, 'KMS_SELF_HOSTED')).length > 0, 60);
    const alerts = await openAlerts(h, 'KMS_SELF_HOSTED');
    expect(alerts.map((a) => a.entityName)).toEqual(['kms-1']);
    expect(alerts[0]!.severity).toBe('critical');

    const result = await check(standardHost);
    expect(result.verdict).toBe('BLOCKED');
    expect(rule(result, 'KMS_NOT_SELF_HOSTED').status).toBe('fail');
    expect(JSON.stringify(rule(result, 'KMS_NOT_SELF_HOSTED').evidence)).toContain('kms-1');

    await h.fault({ type: 'kms-self-hosted', on: false });
    h.clock.advance(30_000);
    await runUntil(h, async () => (await openAlerts(h, 'KMS_SELF_HOSTED')).length === 0, 60);
    expect((await check(standardHost)).verdict).toBe('READY');
    expect(await openAlerts(h)).toEqual([]);
  }, 120_000);
});
