/**
 * vSAN KEK and host key items against the real lab (vCenter over HTTPS JSON with the vSAN
 * endpoint, KMS over KMIP, PostgreSQL): a campaign moving a cluster's vSAN KEK and its hosts' host
 * keys from the NKP `lab-nkp` to the KMS `lab-kms`, verified by the lab's ground truth; the lab's
 * refusals and its failure when a host cannot fetch the new KEK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Lab } from '@/lab/main';
import type { PrismaClient } from '../db/client';
import type { VsphereClient } from '../vsphere/client';
import { isVsphereError } from '../vsphere/errors';
import { runCampaign } from './executor';
import { vcenterProviderHealthCheck } from './health-check';
import type { CampaignInventory } from './inventory';
import { createCampaign, getCampaignDetail, listItems, recomputeProgress, resumeCampaign, startCampaign } from './store';
import { LAB_VC as VC, labKmipProbe, startCampaignLab, type CampaignLab, type LabHttp } from './testing/lab';
import { storeSnapshotAsInventory } from './testing/stored-snapshot';
import type { VsphereCampaignVcenter } from './vcenter';

const admin = { type: 'user' as const, id: 'admin-1', name: 'admin' };

const InfraStateSchema = z.object({
  keys: z.array(z.object({ keyId: z.string(), providerId: z.string() })),
  clusters: z.array(z.object({ id: z.string(), encryption: z.string(), providerId: z.string().nullable(), vsanKekId: z.string().nullable(), hostIds: z.array(z.string()) })),
  hosts: z.array(
    z.object({ id: z.string(), cryptoState: z.string(), diskGroupsMounted: z.boolean(), keyCache: z.array(z.string()), requiredKeys: z.object({ vsanKek: z.string().nullable(), hostKey: z.string().nullable() }) }),
  ),
});

describe('vSAN KEK and host key items against the lab', () => {
  let env: CampaignLab;
  let lab: Lab;
  let prisma: PrismaClient;
  let client: VsphereClient;
  let http: LabHttp;
  let vcenter: VsphereCampaignVcenter;
  let inventory: CampaignInventory;
  let native: { id: string; hostIds: string[] };
  let standard: { id: string; hostIds: string[] };

  const truth = async () => InfraStateSchema.parse(await http.call('GET', '/lab/state'));
  const providerOf = (state: z.infer<typeof InfraStateSchema>, keyId: string | null) => state.keys.find((k) => k.keyId === keyId)?.providerId ?? null;

  beforeAll(async () => {
    env = await startCampaignLab(
      {
        estate: { seed: 3, clusters: 2, clusterEncryption: ['native', 'standard'], hostsPerCluster: 2, vmsPerHost: 1, encryptedVmRatio: 1, poweredOffVmRatio: 0, haMonitoredVmRatio: 0 },
        timings: { rebootDownMs: 100, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10 },
      },
      2,
    );
    ({ lab, prisma, client, http, vcenter, inventory } = env);
    const state = await truth();
    native = state.clusters.find((c) => c.encryption === 'native')!;
    standard = state.clusters.find((c) => c.encryption === 'standard')!;
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  it('vSAN and the host crypto manager answer with the real shapes; bad requests are refused with the reason', async () => {
    const enc = await client.vsanEncryption.clusterEncryption(native.id);
    expect(enc).toMatchObject({ enabled: true, providerId: 'lab-nkp', changing: false });
    expect(enc.kekId).toBe((await truth()).clusters.find((c) => c.id === native.id)!.vsanKekId);
    const fault = async (p: Promise<unknown>) => {
      const error = await p.then(() => null, (e: unknown) => e);
      expect(isVsphereError(error)).toBe(true);
      return error as Error & { faultType?: string };
    };
    expect((await fault(client.vsanEncryption.changeKeyProvider(native.id, 'thales-ciphertrust'))).message).toContain("The provider 'thales-ciphertrust' does not exist.");
    const unknownKey = await fault(client.vsanEncryption.changeHostKey(native.hostIds[0]!, { keyId: 'no-such-key', providerId: 'lab-kms' }));
    expect(unknownKey.faultType).toBe('InvalidArgument');
    expect(unknownKey.message).toContain('no-such-key');
    // Nothing changed.
    expect((await client.vsanEncryption.clusterEncryption(native.id)).providerId).toBe('lab-nkp');
  });

  it('a host that cannot reach the new provider fails the KEK change; the cluster keeps its KEK and its disk groups stay mounted', async () => {
    const before = (await truth()).clusters.find((c) => c.id === standard.id)!.vsanKekId;
    await http.fault({ type: 'host-kms-isolation', host: standard.hostIds[1], on: true });
    try {
      const task = await client.vsanEncryption.shallowRekey(standard.id);
      const error = await client.waitForTask(task, { timeoutMs: 20_000, pollIntervalMs: 25 }).then(() => null, (e: unknown) => e);
      expect(isVsphereError(error, 'task-failed')).toBe(true);
      expect((error as Error).message).toContain('keeps its current KEK');
    } finally {
      await http.fault({ type: 'host-kms-isolation', host: standard.hostIds[1], on: false });
    }
    const after = await truth();
    expect(after.clusters.find((c) => c.id === standard.id)!.vsanKekId).toBe(before);
    expect(after.hosts.filter((h) => standard.hostIds.includes(h.id)).every((h) => h.diskGroupsMounted)).toBe(true);
  });

  it('a campaign moves the cluster’s vSAN KEK and each host key from lab-nkp to lab-kms, verified by the lab’s ground truth', async () => {
    const created = await createCampaign(
      prisma,
      {
        name: 'vSAN NKP → KMS',
        vcenterId: VC,
        sourceProviderId: 'lab-nkp',
        targetProviderId: 'lab-kms',
        scope: { type: 'clusters', clusterIds: [native.id] },
        rekey: { vms: false, vsanKeks: true, hostKeys: true },
        executor: { enabled: true },
      },
      { actor: admin, inventory },
    );
    expect(created.progress.total).toBe(1 + native.hostIds.length);
    // The executor reads the cluster's hosts from the poller's stored inventory.
    await storeSnapshotAsInventory(prisma, (await inventory.snapshot(VC))!);
    const healthCheck = vcenterProviderHealthCheck(vcenter, { kmipProbe: labKmipProbe(lab) });
    await startCampaign(prisma, created.id, { actor: admin, healthCheck });
    const deps = { prisma, vcenter, healthCheck, taskPollIntervalMs: 25, taskTimeoutMs: 30_000 };

    // A host of the cluster cannot reach the target KMS: the KEK item is put back and the campaign paused, nothing touched.
    const kekBefore = (await truth()).clusters.find((c) => c.id === native.id)!.vsanKekId;
    await http.fault({ type: 'host-kms-isolation', host: native.hostIds[0], on: true });
    try {
      expect((await runCampaign(deps, created.id)).end).toBe('paused');
    } finally {
      await http.fault({ type: 'host-kms-isolation', host: native.hostIds[0], on: false });
    }
    const paused = await getCampaignDetail(prisma, created.id);
    expect(paused).toMatchObject({ status: 'paused', progress: { byState: { pending: 1 + native.hostIds.length } } });
    expect(paused.statusReason).toContain('lab-kms');
    expect((await truth()).clusters.find((c) => c.id === native.id)!.vsanKekId).toBe(kekBefore);
    await resumeCampaign(prisma, created.id, { actor: admin, healthCheck });

    const summary = await runCampaign(deps, created.id);
    expect(summary).toMatchObject({ end: 'done', vmsAttempted: 1 + native.hostIds.length, vmsVerified: 1 + native.hostIds.length, vmsFailed: 0 });

    const state = await truth();
    const cluster = state.clusters.find((c) => c.id === native.id)!;
    expect(cluster.providerId).toBe('lab-kms');
    expect(providerOf(state, cluster.vsanKekId)).toBe('lab-kms');
    for (const host of state.hosts.filter((h) => native.hostIds.includes(h.id))) {
      expect(providerOf(state, host.requiredKeys.hostKey)).toBe('lab-kms');
      expect(host.keyCache).toContain(host.requiredKeys.hostKey);
      expect(host.keyCache).toContain(cluster.vsanKekId);
      expect(host).toMatchObject({ cryptoState: 'safe', diskGroupsMounted: true });
    }
    const items = (await listItems(prisma, created.id, { limit: 100 })).items;
    expect(items.map((i) => [i.kind, i.state, i.currentProviderId])).toEqual([['vsan-kek', 'verified', 'lab-kms'], ...native.hostIds.map(() => ['host-key', 'verified', 'lab-kms'])]);
    expect(items.find((i) => i.kind === 'vsan-kek')!.currentKeyId).toBe(cluster.vsanKekId);
    // A fresh vCenter read agrees: the recompute keeps every item verified, the campaign finished.
    const r = await recomputeProgress(prisma, created.id, (await inventory.snapshot(VC))!);
    expect(r).toMatchObject({ transitions: 0, status: 'finished' });
    expect((await getCampaignDetail(prisma, created.id)).progress.percentVerified).toBe(100);
    const steps = await prisma.auditEvent.findMany({ where: { targetId: created.id, action: 'campaign.step' } });
    expect(steps.filter((s) => s.outcome === 'success' && (s.details ?? '').includes('"step":"verify"'))).toHaveLength(1 + native.hostIds.length);
  }, 120_000);
});
