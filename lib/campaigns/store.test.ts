import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../db/client';
import { createTestDatabase, type TestDatabase } from '../db/testing/test-database';
import { acquireLease, claimNextVm, countFailure, releaseLease } from './executor-store';
import type { ProviderHealthCheck } from './health-check';
import { fixedInventory, type InventorySnapshot } from './inventory';
import { aggregateCounts, countsFor, storeCounts } from './progress-cache';
import {
  createCampaign,
  exportItemsCsv,
  getCampaignDetail,
  listCampaigns,
  listItems,
  pauseCampaign,
  preflightCampaign,
  recomputeProgress,
  resumeCampaign,
  retryItems,
  startCampaign,
  updateExecutorSettings,
} from './store';
import { refusal } from './testing/refusal';
import { moveToTarget, syntheticSnapshot } from './testing/synthetic-inventory';

const actor = { type: 'user' as const, id: 'u1', name: 'alice' };
const healthy: ProviderHealthCheck = async ({ providerIds }) => providerIds.map((providerId) => ({ providerId, healthy: true, problems: [] }));
const targetDown: ProviderHealthCheck = async ({ providerIds }) =>
  providerIds.map((providerId) => (providerId === 'kms' ? { providerId, healthy: false, problems: ['vCenter reports kms as ERROR: no KMS server answered.'] } : { providerId, healthy: true, problems: [] }));


describe('campaign store (PostgreSQL)', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let snapshot: InventorySnapshot;
  const body = (patch: Record<string, unknown> = {}) => ({
    name: 'NKP → KMS, cluster 1',
    vcenterId: 'vc-1',
    sourceProviderId: 'nkp',
    targetProviderId: 'kms',
    scope: { type: 'clusters', clusterIds: ['domain-c1'] },
    ...patch,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = createPrismaClient(db.url, 4);
    snapshot = syntheticSnapshot({ clusters: 2, hostsPerCluster: 2, vmsPerHost: 5, clearRatio: 0.2, seed: 11 });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('creates a draft with one item per VM configuration and disk, risks stored, audited', async () => {
    const detail = await createCampaign(prisma, body({ rekey: { vms: true, vsanKeks: true, hostKeys: true } }), { actor, inventory: fixedInventory(snapshot) });
    const vms = snapshot.vms.filter((v) => v.clusterMoid === 'domain-c1' && v.configKey);
    const diskCount = vms.reduce((n, v) => n + v.disks.length, 0);
    expect(detail).toMatchObject({ status: 'draft', owner: 'alice', sourceProviderId: 'nkp', targetProviderId: 'kms', scope: { type: 'clusters', ids: ['domain-c1'] } });
    expect(detail.executor).toEqual({ enabled: false, concurrency: 1, applyHaOverride: false, stopAfterFailures: null, dryRun: false });
    expect(detail.progress.total).toBe(vms.length + diskCount + 1 + 2);
    expect(detail.progress.vms).toEqual({ total: vms.length, verified: 0, failed: 0 });
    expect(detail.progress.byState.pending).toBe(detail.progress.total);
    const { items } = await listItems(prisma, detail.id, { limit: 1000 });
    const ha = vms.find((v) => v.haVmMonitoring)!;
    expect(items.find((i) => i.entityMoid === ha.moid && i.kind === 'vm-config')!.risks).toContain('HA_VM_MONITORING');
    // The target is probed by Keywatch and healthy from each host: no provider risk.
    expect(items.some((i) => i.risks.includes('TARGET_PROVIDER_UNHEALTHY'))).toBe(false);
    const events = await prisma.auditEvent.findMany({ where: { action: 'campaign.create', targetId: detail.id } });
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.details!)).toMatchObject({ items: detail.progress.total, source: 'nkp', target: 'kms' });
  });

  it('refuses bad input with a clear reason and stores nothing', async () => {
    const before = await prisma.campaign.count();
    const inventory = fixedInventory(snapshot);
    const clear = snapshot.vms.find((v) => !v.configKey)!;
    expect(await refusal(createCampaign(prisma, body({ targetProviderId: 'nkp' }), { actor, inventory }))).toMatchObject({ code: 'same-provider', status: 400 });
    expect(await refusal(createCampaign(prisma, body({ targetProviderId: 'thales' }), { actor, inventory }))).toMatchObject({
      code: 'unknown-provider',
      status: 400,
      message: 'vCenter has no key provider called thales; it knows nkp, kms.',
    });
    const notEncrypted = await refusal(createCampaign(prisma, body({ scope: { type: 'vms', vmIds: [clear.moid] } }), { actor, inventory }));
    expect(notEncrypted).toMatchObject({ code: 'vm-not-encrypted', status: 400 });
    expect(notEncrypted.message).toContain(`${clear.name} (${clear.moid}) is not encrypted`);
    expect(await refusal(createCampaign(prisma, body({ vcenterId: 'vc-9' }), { actor, inventory }))).toMatchObject({ code: 'unknown-vcenter', status: 400 });
    expect(await refusal(createCampaign(prisma, { ...body(), name: '' }, { actor, inventory }))).toMatchObject({ code: 'invalid', message: 'name: give the campaign a name' });
    expect(await refusal(createCampaign(prisma, 'nonsense', { actor, inventory }))).toMatchObject({ code: 'invalid', status: 400 });
    expect(await prisma.campaign.count()).toBe(before);
    const refusals = await prisma.auditEvent.findMany({ where: { action: 'campaign.create', outcome: 'failure' } });
    expect(refusals.map((e) => JSON.parse(e.details!).code)).toEqual(['same-provider', 'unknown-provider', 'vm-not-encrypted', 'unknown-vcenter', 'invalid', 'invalid']);
  });

  it('refuses to start while the target provider is down (409, still a draft), starts once healthy', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'start test' }), { actor, inventory: fixedInventory(snapshot) });
    const refused = await refusal(startCampaign(prisma, id, { actor, healthCheck: targetDown }));
    expect(refused).toMatchObject({ code: 'provider-unhealthy', status: 409 });
    expect(refused.message).toMatch(/the target provider kms is not healthy \(vCenter reports kms as ERROR: no KMS server answered\.\)\. Nothing was rekeyed\./);
    expect((await getCampaignDetail(prisma, id)).status).toBe('draft');
    const throwing: ProviderHealthCheck = async () => {
      throw new Error('vCenter unreachable');
    };
    expect(await refusal(startCampaign(prisma, id, { actor, healthCheck: throwing }))).toMatchObject({ code: 'provider-unhealthy' });
    const started = await startCampaign(prisma, id, { actor, healthCheck: healthy });
    expect(started.status).toBe('running');
    expect(started.startedAt).not.toBeNull();
    expect(await refusal(startCampaign(prisma, id, { actor, healthCheck: healthy }))).toMatchObject({ code: 'invalid-state', status: 409 });
    const paused = await pauseCampaign(prisma, id, { actor });
    expect(paused).toMatchObject({ status: 'paused', statusReason: 'Paused by alice.' });
    expect(await refusal(pauseCampaign(prisma, id, { actor }))).toMatchObject({ code: 'invalid-state' });
    expect(await refusal(resumeCampaign(prisma, id, { actor, healthCheck: targetDown }))).toMatchObject({ code: 'provider-unhealthy' });
    expect((await resumeCampaign(prisma, id, { actor, healthCheck: healthy })).status).toBe('running');
    const actions = (await prisma.auditEvent.findMany({ where: { targetId: id }, orderBy: { at: 'asc' } })).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual([
      'campaign.create:success',
      'campaign.start:failure',
      'campaign.start:failure',
      'campaign.start:success',
      'campaign.start:failure',
      'campaign.pause:success',
      'campaign.pause:failure',
      'campaign.resume:failure',
      'campaign.resume:success',
    ]);
  });

  it('recomputes progress from vCenter’s truth: verified, reverted, locked, finished and running again', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'recompute', scope: { type: 'clusters', clusterIds: ['domain-c2'] } }), { actor, inventory: fixedInventory(snapshot) });
    await startCampaign(prisma, id, { actor, healthCheck: healthy });
    const inScope = snapshot.vms.filter((v) => v.clusterMoid === 'domain-c2' && v.configKey);
    const clusterFirst: InventorySnapshot = { ...snapshot, vms: [...inScope, ...snapshot.vms.filter((v) => !inScope.includes(v))] };

    const t1 = new Date('2026-12-02T10:00:00.000Z');
    const three = moveToTarget(clusterFirst, 3, 'kms', t1);
    const r1 = await recomputeProgress(prisma, id, three, { now: () => t1 });
    const expected3 = inScope.slice(0, 3).reduce((n, v) => n + 1 + v.disks.length, 0);
    expect(r1).toMatchObject({ transitions: expected3, status: 'running' });
    let detail = await getCampaignDetail(prisma, id, t1);
    expect(detail.progress.byState.verified).toBe(expected3);
    expect(detail.progress.vms.verified).toBe(3);
    expect(detail.inventoryReadAt).toBe(t1.toISOString());
    // The same snapshot again changes nothing.
    expect((await recomputeProgress(prisma, id, three, { now: () => t1 })).changed).toBe(0);
    // The recompute's counts are cached for the detail read, under the items' current version.
    const cacheRow = (await prisma.campaign.findUnique({ where: { id } }))!;
    expect(cacheRow.progressVersion).toBe(cacheRow.itemsVersion);
    expect(r1.cached).toBe(true);
    expect(await storeCounts(prisma, id, cacheRow.itemsVersion - 1, { total: 0, byState: {}, failuresByClass: {}, verifiedPerHour: [], vms: { total: 0, verified: 0, failed: 0 } })).toBe(false);
    // The cache says what a full aggregate of the items says.
    expect((await countsFor(prisma, cacheRow)).cached).toBe(true);
    expect((await countsFor(prisma, cacheRow)).counts).toEqual(await aggregateCounts(prisma, id).then((c) => ({ ...c, verifiedPerHour: expect.arrayContaining(c.verifiedPerHour) })));

    // One VM locked on the target → failed KEY_INCORRECT; one reverted to the source → pending.
    const t2 = new Date('2026-12-03T10:00:00.000Z');
    const locked = moveToTarget(clusterFirst, 3, 'kms', t2);
    locked.vms = locked.vms.map((v) => (v.moid === inScope[0]!.moid ? { ...v, cryptoState: 'locked' as const } : v.moid === inScope[1]!.moid ? inScope[1]! : v));
    await recomputeProgress(prisma, id, locked, { now: () => t2 });
    detail = await getCampaignDetail(prisma, id, t2);
    expect(detail.progress.vms).toMatchObject({ verified: 1, failed: 1 });
    expect(detail.progress.failuresByClass.KEY_INCORRECT).toBe(1 + inScope[0]!.disks.length);
    expect(detail.workarounds.KEY_INCORRECT?.remediations[0]).toBe('reload');
    const failed = await listItems(prisma, id, { state: 'failed' });
    expect(failed.items.every((i) => i.entityMoid === inScope[0]!.moid && i.failureClass === 'KEY_INCORRECT' && i.workaround !== null)).toBe(true);
    const reverted = (await listItems(prisma, id, { limit: 1000 })).items.filter((i) => i.entityMoid === inScope[1]!.moid);
    expect(reverted.every((i) => i.state === 'pending' && i.currentProviderId === 'nkp' && i.verifiedAt === null)).toBe(true);

    // Everything on the target and unlocked → finished; one VM back on the source → running again.
    const t3 = new Date('2026-12-04T10:00:00.000Z');
    const all = moveToTarget(clusterFirst, inScope.length, 'kms', t3);
    expect((await recomputeProgress(prisma, id, all, { now: () => t3 })).status).toBe('finished');
    detail = await getCampaignDetail(prisma, id, t3);
    expect(detail).toMatchObject({ status: 'finished', finishedAt: t3.toISOString() });
    expect(detail.progress.percentVerified).toBe(100);
    expect(detail.progress.burndown.at(-1)).toEqual({ day: '2026-12-04', remaining: 0 });
    const back = { ...all, vms: all.vms.map((v) => (v.moid === inScope[2]!.moid ? inScope[2]! : v)) };
    expect((await recomputeProgress(prisma, id, back, { now: () => t3 })).status).toBe('running');
    expect(await refusal(recomputeProgress(prisma, id, { ...back, vcenterId: 'vc-2' }))).toMatchObject({ code: 'invalid' });
  });

  it('burndown, items per day and ETA from verification times', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'eta', scope: { type: 'vms', vmIds: snapshot.vms.filter((v) => v.configKey).slice(0, 6).map((v) => v.moid) } }), {
      actor,
      inventory: fixedInventory(snapshot),
      now: () => new Date('2026-12-01T00:00:00.000Z'),
    });
    await startCampaign(prisma, id, { actor, healthCheck: healthy, now: () => new Date('2026-12-01T00:00:00.000Z') });
    const encrypted = snapshot.vms.filter((v) => v.configKey);
    for (const [n, day] of [
      [2, '2026-12-02T12:00:00.000Z'],
      [4, '2026-12-04T12:00:00.000Z'],
    ] as const) {
      // Read at the simulated day: a read older than the items' last write would leave them alone.
      await recomputeProgress(prisma, id, moveToTarget({ ...snapshot, vms: encrypted }, n, 'kms', new Date(day)), { now: () => new Date(day) });
    }
    const now = new Date('2026-12-05T00:00:00.000Z');
    const detail = await getCampaignDetail(prisma, id, now);
    const perVm = encrypted.slice(0, 6).map((v) => 1 + v.disks.length);
    const first = perVm[0]! + perVm[1]!;
    const second = perVm[2]! + perVm[3]!;
    expect(detail.progress.itemsPerDay).toEqual([
      { day: '2026-12-01', verified: 0 },
      { day: '2026-12-02', verified: first },
      { day: '2026-12-03', verified: 0 },
      { day: '2026-12-04', verified: second },
      { day: '2026-12-05', verified: 0 },
    ]);
    const total = perVm.reduce((a, b) => a + b, 0);
    expect(detail.progress.burndown.map((b) => b.remaining)).toEqual([total, total - first, total - first, total - first - second, total - first - second]);
    expect(detail.progress.ratePerDay).toBeCloseTo((first + second) / 4, 2);
    const remaining = total - first - second;
    expect(Date.parse(detail.progress.eta!)).toBeCloseTo(now.getTime() + (remaining / ((first + second) / 4)) * 86_400_000, -4);
  });

  it('lists items by state with a keyset cursor, lists campaigns, exports CSV', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'paging' }), { actor, inventory: fixedInventory(snapshot) });
    const all = (await listItems(prisma, id, { limit: 1000 })).items;
    const seen: string[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await listItems(prisma, id, { state: 'pending', limit: 4, ...(after !== undefined && { after }) });
      seen.push(...page.items.map((i) => i.id));
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    expect(seen).toEqual(all.map((i) => i.id));
    expect(await refusal(listItems(prisma, id, { state: 'done' as never }))).toMatchObject({ code: 'invalid', status: 400 });
    expect(await refusal(listItems(prisma, 'nope'))).toMatchObject({ code: 'not-found', status: 404 });

    const list = await listCampaigns(prisma);
    expect(list.find((c) => c.id === id)).toMatchObject({ name: 'paging', total: all.length, verified: 0, percentVerified: 0 });

    let csv = '';
    for await (const chunk of exportItemsCsv(prisma, id, 3)) csv += chunk;
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(all.length + 1);
    expect(lines[0]).toMatch(/^item,kind,name,moid,/);
    expect(lines[1]).toContain(all[0]!.id);
  });

  it('retry puts failed items back to pending; settings are validated', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'retry' }), { actor, inventory: fixedInventory(snapshot) });
    const items = (await listItems(prisma, id)).items;
    await prisma.campaignItem.updateMany({ where: { id: { in: [items[0]!.id, items[1]!.id] } }, data: { state: 'failed', failureClass: 'HA_RESET', errorText: 'x' } });
    expect(await retryItems(prisma, id, { itemIds: [items[0]!.id] }, { actor })).toEqual({ retried: 1 });
    expect(await retryItems(prisma, id, {}, { actor })).toEqual({ retried: 1 });
    expect((await listItems(prisma, id, { state: 'failed' })).items).toHaveLength(0);
    expect(await refusal(retryItems(prisma, id, { itemIds: [] }, { actor }))).toMatchObject({ code: 'invalid' });

    const updated = await updateExecutorSettings(prisma, id, { enabled: true, stopAfterFailures: 2, concurrency: 3 }, { actor });
    expect(updated.executor).toEqual({ enabled: true, concurrency: 3, applyHaOverride: false, stopAfterFailures: 2, dryRun: false });
    // What is not sent stays as it is.
    expect((await updateExecutorSettings(prisma, id, { dryRun: true }, { actor })).executor).toEqual({ enabled: true, concurrency: 3, applyHaOverride: false, stopAfterFailures: 2, dryRun: true });
    expect(await refusal(updateExecutorSettings(prisma, id, { concurrency: 0 }, { actor }))).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^concurrency:/) });
    expect(await refusal(updateExecutorSettings(prisma, id, { turbo: true }, { actor }))).toMatchObject({ code: 'invalid' });
  });

  it('pre-flight against a fresh snapshot: a target not healthy from one host', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'preflight' }), { actor, inventory: fixedInventory(snapshot) });
    const fresh = structuredClone(snapshot);
    fresh.hosts[0]!.providers = [{ providerId: 'nkp', health: 'OK', details: [] }, { providerId: 'kms', health: 'ERROR', details: ['KMS server kms-1 unreachable'] }];
    const report = await preflightCampaign(prisma, id, fresh);
    const onHost = snapshot.vms.filter((v) => v.hostMoid === 'host-1' && v.configKey).reduce((n, v) => n + 1 + v.disks.length, 0);
    expect(report.summary.byCode.TARGET_PROVIDER_UNHEALTHY).toBe(onHost);
    expect(report.items.find((i) => i.risks.some((r) => r.code === 'TARGET_PROVIDER_UNHEALTHY'))!.risks.find((r) => r.code === 'TARGET_PROVIDER_UNHEALTHY')!.message).toContain('kms-1 unreachable');
  });

  it('executor plumbing: one lease holder, concurrent claims take different VMs, stop after N failures', async () => {
    const { id } = await createCampaign(prisma, body({ name: 'executor', executor: { enabled: true, stopAfterFailures: 2 } }), { actor, inventory: fixedInventory(snapshot) });
    await startCampaign(prisma, id, { actor, healthCheck: healthy });
    const now = new Date();
    expect(await acquireLease(prisma, id, 'a', 60_000, now)).toBe(true);
    expect(await acquireLease(prisma, id, 'b', 60_000, now)).toBe(false);
    expect(await acquireLease(prisma, id, 'b', 60_000, new Date(now.getTime() + 61_000))).toBe(true);
    await releaseLease(prisma, id, 'b');
    expect(await acquireLease(prisma, id, 'a', 60_000, now)).toBe(true);

    const claims = await Promise.all([claimNextVm(prisma, id, now), claimNextVm(prisma, id, now), claimNextVm(prisma, id, now)]);
    const vmsClaimed = claims.map((c) => [...new Set(c.map((i) => i.entityMoid))]);
    expect(vmsClaimed.every((v) => v.length === 1)).toBe(true);
    expect(new Set(vmsClaimed.flat()).size).toBe(3);
    expect(claims.flat().every((i) => i.state === 'in-progress' && i.attempts === 1)).toBe(true);

    expect(await countFailure(prisma, id, 'vm-1 (HA_RESET)')).toEqual({ failures: 1, limit: 2, stopped: false });
    expect(await countFailure(prisma, id, 'vm-2 (POWERED_ON_UNSUPPORTED)')).toEqual({ failures: 2, limit: 2, stopped: true });
    expect((await getCampaignDetail(prisma, id)).statusReason).toBe('Stopped after 2 failed VMs; the last: vm-2 (POWERED_ON_UNSUPPORTED).');
  });
});
