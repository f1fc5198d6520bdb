/**
 * The executor against the real lab (vCenter over HTTPS JSON, KMS cluster over KMIP / mutual TLS,
 * PostgreSQL): VMs moved from the NKP `lab-nkp` to the KMS `lab-kms` one at a time, the seeds'
 * failures injected on chosen VMs (`rekey-failure` ha-reset / refuse-powered-on /
 * provider-not-found), their classes and workarounds, remediation then verification, stop after
 * N failures, pause on a provider outage, dry run — and after every step the progress equals the
 * lab's ground truth (GET /lab/state), both as the executor recorded it and as recomputed from a
 * fresh vCenter read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '@/lab/main';
import type { PrismaClient } from '../db/client';
import type { VsphereClient } from '../vsphere/client';
import { runCampaign, type ExecutorDeps } from './executor';
import { vcenterProviderHealthCheck } from './health-check';
import type { CampaignInventory, InventorySnapshot } from './inventory';
import { HISTORY_LOSS_WARNING, POWER_CYCLE_CONFIRMATION, remediate } from './remediation';
import { createCampaign, getCampaignDetail, listItems, recomputeProgress, resumeCampaign, retryItems, startCampaign, updateExecutorSettings } from './store';
import { LAB_VC as VC, labKmipProbe, startCampaignLab, verifiedByGroundTruth, type CampaignLab, type LabHttp } from './testing/lab';
import { refusal } from './testing/refusal';
import { VsphereCampaignVcenter } from './vcenter';

const SOURCE = 'lab-nkp';
const TARGET = 'lab-kms';
const fast = { rebootDownMs: 100, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10 };
const admin = { type: 'user' as const, id: 'admin-1', name: 'admin' };


describe('campaign executor against the lab', () => {
  let env: CampaignLab;
  let lab: Lab;
  let prisma: PrismaClient;
  let client: VsphereClient;
  let http: LabHttp;
  let vcenter: VsphereCampaignVcenter;
  let inventory: CampaignInventory;
  let deps: ExecutorDeps;
  // The main campaign's VMs, in execution order: A fails by HA reset, B is refused while powered
  // on, V3 loses its provider, C is HA-monitored and protected by the override on the second run.
  let v1: string, a: string, v2: string, b: string, v3: string, c: string, v4: string, v5: string;
  let spare: string[];
  let notEncrypted: string;
  let campaignId: string;

  const diskKeysOf = (vmId: string) => lab.vcenterServer.estate.vms.find((v) => v.id === vmId)!.disks.map((d) => d.key);
  const snapshot = async (): Promise<InventorySnapshot> => (await inventory.snapshot(VC))!;

  /** Executor's record = ground truth, and recompute from a fresh vCenter read = ground truth. */
  async function expectProgressMatchesLab(id: string) {
    const truthState = await http.state();
    const items = await prisma.campaignItem.findMany({ where: { campaignId: id } });
    const truth = verifiedByGroundTruth(truthState, items, TARGET, diskKeysOf);
    expect(new Set(items.filter((i) => i.state === 'verified').map((i) => i.id))).toEqual(truth);
    await recomputeProgress(prisma, id, await snapshot());
    const after = await prisma.campaignItem.findMany({ where: { campaignId: id } });
    expect(new Set(after.filter((i) => i.state === 'verified').map((i) => i.id))).toEqual(truth);
    const detail = await getCampaignDetail(prisma, id);
    expect(detail.progress.byState.verified).toBe(truth.size);
    expect(detail.progress.percentVerified).toBe(Math.round((truth.size / items.length) * 1000) / 10);
    return { detail, state: truthState };
  }

  const vmOf = async (id: string) => (await http.state()).vms.find((v) => v.id === id)!;
  const itemsOf = async (id: string, vm: string) => (await listItems(prisma, id, { limit: 1000 })).items.filter((i) => i.entityMoid === vm);

  beforeAll(async () => {
    env = await startCampaignLab(
      {
        estate: { seed: 7, clusters: 3, hostsPerCluster: 2, vmsPerHost: 6, encryptedVmRatio: 1, multiDiskVmRatio: 0.5, poweredOffVmRatio: 0, haMonitoredVmRatio: 0 },
        timings: fast,
      },
      4,
    );
    ({ lab, prisma, client, http, vcenter, inventory } = env);
    deps = { prisma, vcenter, healthCheck: vcenterProviderHealthCheck(vcenter, { kmipProbe: labKmipProbe(lab) }), taskPollIntervalMs: 25, taskTimeoutMs: 30_000 };

    const estate = await client.readEstate();
    const nkp = estate.vms.filter((v) => v.keyId?.providerId === SOURCE && v.powerState === 'poweredOn' && v.haVmMonitoring === false);
    const multi = nkp.filter((v) => v.disks.length > 1);
    expect(nkp.length).toBeGreaterThanOrEqual(15);
    expect(multi.length).toBeGreaterThanOrEqual(2);
    a = multi[0]!.id;
    c = multi[1]!.id;
    [v1, v2, b, v3, v4, v5, ...spare] = nkp.filter((v) => v.id !== a && v.id !== c).map((v) => v.id) as [string, string, string, string, string, string, ...string[]];
    notEncrypted = estate.vms.find((v) => v.keyId === null)!.id;
    // A and C run under HA VM monitoring, as in the report.
    for (const vm of [a, c]) await http.fault({ type: 'vm-ha-monitoring', vm, enabled: true });
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  it('refuses bad input with a clear reason and rekeys nothing; a target provider down at start is refused', async () => {
    const base = { name: 'NKP → KMS', vcenterId: VC, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: [v1] } };
    expect(await refusal(createCampaign(prisma, { ...base, targetProviderId: SOURCE }, { actor: admin, inventory }))).toMatchObject({ code: 'same-provider', status: 400 });
    const unknown = await refusal(createCampaign(prisma, { ...base, targetProviderId: 'thales-ciphertrust' }, { actor: admin, inventory }));
    expect(unknown).toMatchObject({ code: 'unknown-provider', status: 400 });
    expect(unknown.message).toContain('thales-ciphertrust');
    const clear = await refusal(createCampaign(prisma, { ...base, scope: { type: 'vms', vmIds: [v1, notEncrypted] } }, { actor: admin, inventory }));
    expect(clear).toMatchObject({ code: 'vm-not-encrypted', status: 400 });
    expect(clear.message).toContain(notEncrypted);
    expect(await prisma.campaign.count()).toBe(0);

    const before = await http.state();
    const draft = await createCampaign(prisma, base, { actor: admin, inventory });
    for (const node of lab.kms.nodes) await http.fault({ type: 'kms-node-down', node: node.id });
    try {
      const down = await refusal(startCampaign(prisma, draft.id, { actor: admin, healthCheck: deps.healthCheck }));
      expect(down).toMatchObject({ code: 'provider-unhealthy', status: 409 });
      expect(down.message).toMatch(/the target provider lab-kms is not healthy \(vCenter reports lab-kms as ERROR/);
      expect(down.message).toMatch(/Keywatch's KMIP probe of lab-kms/);
    } finally {
      for (const node of lab.kms.nodes) await http.fault({ type: 'kms-node-down', node: node.id, down: false });
    }
    expect((await getCampaignDetail(prisma, draft.id)).status).toBe('draft');
    expect((await http.state()).vms).toEqual(before.vms);
  }, 60_000);

  it('rekeys one VM at a time and verifies each; an HA reset mid-rekey is HA_RESET with the reload workaround', async () => {
    const created = await createCampaign(
      prisma,
      {
        name: 'NKP → KMS wave 1',
        vcenterId: VC,
        sourceProviderId: SOURCE,
        targetProviderId: TARGET,
        scope: { type: 'vms', vmIds: [v1, a, v2, b, v3, c, v4, v5] },
        executor: { enabled: true, stopAfterFailures: 3 },
      },
      { actor: admin, inventory },
    );
    campaignId = created.id;
    expect((await itemsOf(campaignId, a)).length).toBe(1 + diskKeysOf(a).length);
    expect((await itemsOf(campaignId, a))[0]!.risks).toEqual(expect.arrayContaining(['HA_VM_MONITORING', 'MULTIPLE_DISKS', 'POWERED_ON']));
    await startCampaign(prisma, campaignId, { actor: admin, healthCheck: deps.healthCheck });

    await http.fault({ type: 'rekey-failure', mode: 'ha-reset', vms: [a] });
    const run = await runCampaign(deps, campaignId, { maxVms: 2 });
    expect(run).toMatchObject({ end: 'max-vms', vmsAttempted: 2, vmsVerified: 1, vmsFailed: 1, failuresByClass: { HA_RESET: 1 } });

    const failed = await itemsOf(campaignId, a);
    expect(failed.every((i) => i.state === 'failed' && i.failureClass === 'HA_RESET')).toBe(true);
    expect(failed[0]!.errorText).toContain('Cannot decrypt disk because key or password is incorrect');
    expect(failed[0]!.workaround?.remediations[0]).toBe('reload');
    expect(failed[0]!.workaround?.cost).toMatch(/history .* is lost/);
    const vmA = await vmOf(a);
    expect(vmA).toMatchObject({ cryptoState: 'locked', needsReload: true, powerState: 'poweredOff' });
    // Half-way: the configuration already names the new key, the last disk still the old one.
    expect(vmA.configKey?.providerId).toBe(TARGET);
    expect(vmA.diskKeys.at(-1)?.providerId).toBe(SOURCE);
    expect((await vmOf(v1)).configKey?.providerId).toBe(TARGET);
    expect((await vmOf(v2)).configKey?.providerId).toBe(SOURCE);
    const { detail } = await expectProgressMatchesLab(campaignId);
    expect(detail.progress.vms).toMatchObject({ verified: 1, failed: 1 });
    expect(detail.workarounds.HA_RESET).toBeDefined();
  }, 60_000);

  it('remediates A by reload (history kept) and verifies again; unregister / register needs the history-loss flag', async () => {
    expect(await refusal(remediate(deps, campaignId, { action: 'unregister-register', vmMoid: a }, admin))).toEqual({
      code: 'confirmation-required',
      status: 400,
      message: HISTORY_LOSS_WARNING,
    });
    expect(await refusal(remediate(deps, campaignId, { action: 'reload', vmMoid: 'vm-424242' }, admin))).toMatchObject({ code: 'not-found', status: 404 });

    const result = await remediate(deps, campaignId, { action: 'reload', vmMoid: a }, admin);
    const vmA = await vmOf(a);
    expect(vmA.cryptoState).toBe('unlocked');
    const onTarget = [vmA.configKey, ...vmA.diskKeys].filter((k) => k?.providerId === TARGET).length;
    expect(result).toMatchObject({ action: 'reload', verified: onTarget, pending: 1 + diskKeysOf(a).length - onTarget, failed: 0 });
    await expectProgressMatchesLab(campaignId);
    const events = await prisma.auditEvent.findMany({ where: { action: 'campaign.remediate', targetId: campaignId }, orderBy: { at: 'asc' } });
    expect(events.map((e) => e.outcome)).toEqual(['failure', 'failure', 'success']);
  }, 60_000);

  it('a vCenter refusing powered-on rekeys: POWERED_ON_UNSUPPORTED, then power off → rekey → power on with confirmation', async () => {
    await http.fault({ type: 'rekey-failure', mode: 'refuse-powered-on', vms: [b] });
    const run = await runCampaign(deps, campaignId, { maxVms: 3 });
    expect(run).toMatchObject({ vmsVerified: 2, vmsFailed: 1, failuresByClass: { POWERED_ON_UNSUPPORTED: 1 } });
    // A comes first (lowest position): the disks its reset left on the source are rekeyed and verified now.
    expect((await itemsOf(campaignId, a)).every((i) => i.state === 'verified')).toBe(true);
    expect((await vmOf(v2)).configKey?.providerId).toBe(TARGET);
    const failed = await itemsOf(campaignId, b);
    expect(failed.every((i) => i.state === 'failed' && i.failureClass === 'POWERED_ON_UNSUPPORTED')).toBe(true);
    expect(failed[0]!.errorText).toContain('unable to shallow rekey powered on vm');
    expect(failed[0]!.workaround?.remediations).toContain('power-cycle');
    expect(await vmOf(b)).toMatchObject({ powerState: 'poweredOn', cryptoState: 'unlocked', configKey: { providerId: SOURCE } });
    await expectProgressMatchesLab(campaignId);

    expect(await refusal(remediate(deps, campaignId, { action: 'power-cycle', vmMoid: b }, admin))).toEqual({ code: 'confirmation-required', status: 400, message: POWER_CYCLE_CONFIRMATION });
    const result = await remediate(deps, campaignId, { action: 'power-cycle', vmMoid: b, confirmPowerOff: true }, admin);
    expect(result).toMatchObject({ verified: 1 + diskKeysOf(b).length, pending: 0, failed: 0 });
    const vmB = await vmOf(b);
    expect(vmB).toMatchObject({ powerState: 'poweredOn', cryptoState: 'unlocked' });
    expect([vmB.configKey, ...vmB.diskKeys].every((k) => k?.providerId === TARGET)).toBe(true);
    const steps = (await prisma.auditEvent.findMany({ where: { action: 'campaign.step', targetId: campaignId }, orderBy: { at: 'asc' } }))
      .map((e) => JSON.parse(e.details!) as { step: string; vm: string })
      .filter((s) => s.vm === b);
    expect(steps.slice(-4).map((s) => s.step)).toEqual(['health-check', 'power-off', 'rekey', 'power-on']);
    await expectProgressMatchesLab(campaignId);
  }, 60_000);

  it('stops after N failures: the third failed VM (provider not found) stops the campaign, later VMs untouched', async () => {
    await http.fault({ type: 'rekey-failure', mode: 'provider-not-found', vms: [v3] });
    const run = await runCampaign(deps, campaignId);
    expect(run).toMatchObject({ end: 'stopped', vmsAttempted: 1, vmsFailed: 1, failuresByClass: { PROVIDER_NOT_FOUND: 1 } });
    const detail = await getCampaignDetail(prisma, campaignId);
    expect(detail.status).toBe('stopped');
    expect(detail.statusReason).toMatch(/^Stopped after 3 failed VMs; the last: vm-\d+ \(PROVIDER_NOT_FOUND\)\.$/);
    const v3Items = await itemsOf(campaignId, v3);
    expect(v3Items.every((i) => i.failureClass === 'PROVIDER_NOT_FOUND' && i.currentProviderId === SOURCE)).toBe(true);
    expect(v3Items[0]!.errorText).toContain("The provider 'lab-kms' does not exist.");
    for (const vm of [c, v4, v5]) {
      expect((await itemsOf(campaignId, vm)).every((i) => i.state === 'pending' && i.attempts === 0)).toBe(true);
      expect((await vmOf(vm)).configKey?.providerId).toBe(SOURCE);
    }
    // A stopped campaign is not run until resumed.
    expect((await runCampaign(deps, campaignId)).end).toBe('not-running');
    const stops = await prisma.auditEvent.count({ where: { action: 'campaign.stop', targetId: campaignId } });
    expect(stops).toBe(1);
    await expectProgressMatchesLab(campaignId);
  }, 60_000);

  it('resumed with the HA VM override: the HA-monitored VM survives, the retry verifies, the campaign finishes and no VM is locked', async () => {
    await http.fault({ type: 'clear' });
    await http.fault({ type: 'rekey-failure', mode: 'ha-reset', vms: [c] });
    await updateExecutorSettings(prisma, campaignId, { applyHaOverride: true }, { actor: admin });
    expect(await retryItems(prisma, campaignId, { vmMoids: [v3] }, { actor: admin })).toEqual({ retried: 1 + diskKeysOf(v3).length });
    await resumeCampaign(prisma, campaignId, { actor: admin, healthCheck: deps.healthCheck });
    const run = await runCampaign(deps, campaignId);
    expect(run).toMatchObject({ end: 'done', vmsAttempted: 4, vmsVerified: 4, vmsFailed: 0 });

    const { detail, state } = await expectProgressMatchesLab(campaignId);
    expect(detail).toMatchObject({ status: 'finished' });
    expect(detail.progress.percentVerified).toBe(100);
    for (const vm of [v1, a, v2, b, v3, c, v4, v5]) {
      const truth = state.vms.find((v) => v.id === vm)!;
      expect(truth.cryptoState).toBe('unlocked');
      expect([truth.configKey, ...truth.diskKeys].every((k) => k?.providerId === TARGET)).toBe(true);
    }
    expect(state.vms.filter((v) => v.cryptoState === 'locked')).toEqual([]);
    expect(state.vms.find((v) => v.id === c)!.haVmMonitoring).toBe(true);
    const steps = (await prisma.auditEvent.findMany({ where: { action: 'campaign.step', targetId: campaignId } })).map((e) => JSON.parse(e.details!) as { step: string; vm: string });
    expect(steps.filter((s) => s.vm === c).map((s) => s.step)).toEqual(['health-check', 'ha-override', 'rekey', 'verify', 'ha-override-remove']);
  }, 90_000);

  it('when vCenter refuses the HA override, the executor pauses before touching the VM', async () => {
    const { id } = await createCampaign(
      prisma,
      { name: 'override missing', vcenterId: VC, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: [spare[0]!] }, executor: { enabled: true, applyHaOverride: true } },
      { actor: admin, inventory },
    );
    await startCampaign(prisma, id, { actor: admin, healthCheck: deps.healthCheck });
    // A cluster vCenter does not know: ReconfigureComputeResource_Task fails for real.
    class WrongCluster extends VsphereCampaignVcenter {
      override applyHaVmOverride(_cluster: string, vmMoid: string) {
        return super.applyHaVmOverride('domain-c404040', vmMoid);
      }
    }
    const run = await runCampaign({ ...deps, vcenter: new WrongCluster(client) }, id);
    expect(run).toMatchObject({ end: 'paused', vmsAttempted: 0 });
    const detail = await getCampaignDetail(prisma, id);
    expect(detail.statusReason).toMatch(/HA VM override for .* could not be applied: .*domain-c404040/);
    expect((await itemsOf(id, spare[0]!)).every((i) => i.state === 'pending' && i.attempts === 0)).toBe(true);
    expect((await vmOf(spare[0]!)).configKey?.providerId).toBe(SOURCE);
    await expectProgressMatchesLab(id);
  }, 60_000);

  it('a KMS outage pauses the campaign before the next VM; a dry run reads and reports but changes nothing', async () => {
    const { id } = await createCampaign(
      prisma,
      { name: 'outage', vcenterId: VC, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: spare.slice(1, 3) }, executor: { enabled: true } },
      { actor: admin, inventory },
    );
    await startCampaign(prisma, id, { actor: admin, healthCheck: deps.healthCheck });
    const before = await http.state();
    for (const node of lab.kms.nodes) await http.fault({ type: 'kms-node-down', node: node.id });
    try {
      const run = await runCampaign(deps, id);
      expect(run.end).toBe('paused');
      const detail = await getCampaignDetail(prisma, id);
      expect(detail.statusReason).toMatch(/^Paused before vm-\d+: .*lab-kms/);
    } finally {
      for (const node of lab.kms.nodes) await http.fault({ type: 'kms-node-down', node: node.id, down: false });
    }
    expect((await http.state()).vms).toEqual(before.vms);

    await updateExecutorSettings(prisma, id, { dryRun: true }, { actor: admin });
    await resumeCampaign(prisma, id, { actor: admin, healthCheck: deps.healthCheck });
    const dry = await runCampaign(deps, id);
    expect(dry.end).toBe('dry-run');
    expect(dry.dryRun).toEqual(spare.slice(1, 3).map((vm) => expect.objectContaining({ vmMoid: vm, action: 'rekey', providersHealthy: true, problems: [] })));
    expect((await http.state()).vms).toEqual(before.vms);
    expect((await listItems(prisma, id)).items.every((i) => i.state === 'pending')).toBe(true);
    expect(await prisma.auditEvent.count({ where: { action: 'campaign.step', targetId: id, details: { contains: '"step":"dry-run"' } } })).toBe(2);
    await expectProgressMatchesLab(id);
  }, 60_000);

  it('two VMs at a time when asked: every VM verified, progress = ground truth', async () => {
    const vms = spare.slice(3, 7);
    expect(vms).toHaveLength(4);
    const { id } = await createCampaign(
      prisma,
      { name: 'parallel', vcenterId: VC, sourceProviderId: SOURCE, targetProviderId: TARGET, scope: { type: 'vms', vmIds: vms }, executor: { enabled: true, concurrency: 2 } },
      { actor: admin, inventory },
    );
    await startCampaign(prisma, id, { actor: admin, healthCheck: deps.healthCheck });
    const run = await runCampaign(deps, id, { maxVms: 3 });
    expect(run).toMatchObject({ end: 'max-vms', vmsAttempted: 3, vmsVerified: 3 });
    const rest = await runCampaign(deps, id);
    expect(rest).toMatchObject({ end: 'done', vmsAttempted: 1, vmsVerified: 1 });
    const { detail, state } = await expectProgressMatchesLab(id);
    expect(detail.status).toBe('finished');
    for (const vm of vms) expect(state.vms.find((v) => v.id === vm)).toMatchObject({ cryptoState: 'unlocked', configKey: { providerId: TARGET } });
  }, 60_000);
});
