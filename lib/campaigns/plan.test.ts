import { describe, expect, it } from 'vitest';
import { refusal } from './testing/refusal';
import { CreateCampaignSchema, type CreateCampaignInput } from './model';
import { planCampaignItems } from './plan';
import { syntheticSnapshot } from './testing/synthetic-inventory';

const snapshot = syntheticSnapshot({ clusters: 2, hostsPerCluster: 2, vmsPerHost: 3, clearRatio: 0.2, seed: 3 });
const encrypted = snapshot.vms.filter((v) => v.configKey);
const clear = snapshot.vms.find((v) => !v.configKey)!;
// One multi-disk VM in cluster 1 whatever the seed gives.
const multiDisk = encrypted.find((v) => v.clusterMoid === 'domain-c1')!;
multiDisk.disks = [2000, 2001, 2002].map((key, i) => ({ key, label: `Hard disk ${i + 1}`, keyId: multiDisk.configKey }));

function plan(input: Partial<CreateCampaignInput>) {
  return planCampaignItems(
    CreateCampaignSchema.parse({ name: 'move', vcenterId: 'vc-1', sourceProviderId: 'nkp', targetProviderId: 'kms', scope: { type: 'clusters', clusterIds: ['domain-c1'] }, ...input }),
    snapshot,
  );
}


describe('planCampaignItems', () => {
  it('makes one item per VM configuration and one per encrypted disk, VM items consecutive', () => {
    const items = plan({});
    const vms = encrypted.filter((v) => v.clusterMoid === 'domain-c1');
    expect(items.filter((i) => i.kind === 'vm-config')).toHaveLength(vms.length);
    expect(items.filter((i) => i.kind === 'vm-disk')).toHaveLength(vms.reduce((n, v) => n + v.disks.length, 0));
    expect(items.map((i) => i.position)).toEqual(items.map((_, i) => i));
    const multi = multiDisk;
    const own = items.filter((i) => i.entityMoid === multi.moid);
    expect(own.map((i) => i.itemKey)).toEqual([`vm-config:${multi.moid}`, ...multi.disks.map((d) => `vm-disk:${multi.moid}:${d.key}`)]);
    expect(own[1]!.position - own[0]!.position).toBe(1);
    expect(own.every((i) => i.currentProviderId === 'nkp' && i.clusterMoid === 'domain-c1')).toBe(true);
    expect(items.some((i) => i.entityMoid === clear.moid)).toBe(false);
  });

  it('adds vSAN KEK and host key items only when asked', () => {
    const items = plan({ rekey: { vms: false, vsanKeks: true, hostKeys: true } });
    expect(items.map((i) => i.kind)).toEqual(['vsan-kek', 'host-key', 'host-key']);
    expect(items[0]).toMatchObject({ entityMoid: 'domain-c1', currentKeyId: 'vsan-domain-c1' });
    expect(items.slice(1).map((i) => i.entityMoid)).toEqual(['host-1', 'host-2']);
  });

  it('an explicit VM list keeps its order and drops duplicates', () => {
    const ids = [encrypted[3]!.moid, encrypted[0]!.moid, encrypted[3]!.moid];
    const items = plan({ scope: { type: 'vms', vmIds: ids } });
    expect([...new Set(items.map((i) => i.entityMoid))]).toEqual([encrypted[3]!.moid, encrypted[0]!.moid]);
  });

  it('refuses source = target, unknown providers, unknown clusters / VMs, clear VMs and empty scopes', async () => {
    expect(await refusal(() => plan({ targetProviderId: 'nkp' }))).toMatchObject({ code: 'same-provider', status: 400 });
    expect(await refusal(() => plan({ targetProviderId: 'nope' }))).toMatchObject({ code: 'unknown-provider', status: 400, message: expect.stringContaining('nope') });
    expect(await refusal(() => plan({ scope: { type: 'clusters', clusterIds: ['domain-c9'] } }))).toMatchObject({ code: 'unknown-cluster' });
    expect(await refusal(() => plan({ scope: { type: 'vms', vmIds: ['vm-999'] } }))).toMatchObject({ code: 'unknown-vm', message: expect.stringContaining('vm-999') });
    const notEncrypted = await refusal(() => plan({ scope: { type: 'vms', vmIds: [encrypted[0]!.moid, clear.moid] } }));
    expect(notEncrypted).toMatchObject({ code: 'vm-not-encrypted', status: 400 });
    expect(notEncrypted.message).toContain(clear.name);
    expect(notEncrypted.message).toMatch(/is not encrypted/);
    expect(await refusal(() => plan({ rekey: { vms: false, vsanKeks: false, hostKeys: false } }))).toMatchObject({ code: 'nothing-to-rekey' });
  });

  it('refuses a VM encrypted by a third provider', async () => {
    const other = { ...snapshot, providers: [...snapshot.providers, { id: 'third', kind: 'standard' as const, health: 'OK' as const, probe: 'ok' as const }] };
    const vm = { ...encrypted[0]!, moid: 'vm-x', name: 'vm-x', configKey: { keyId: 'k', providerId: 'third' }, disks: [] };
    other.vms = [...snapshot.vms, vm];
    const input = CreateCampaignSchema.parse({ name: 'm', vcenterId: 'vc-1', sourceProviderId: 'nkp', targetProviderId: 'kms', scope: { type: 'vms', vmIds: ['vm-x'] } });
    expect(await refusal(() => planCampaignItems(input, other))).toMatchObject({ code: 'vm-not-on-source', message: expect.stringContaining('third') });
  });

  it('the request schema says what is wrong', () => {
    const bad = CreateCampaignSchema.safeParse({ name: ' ', vcenterId: 'vc', sourceProviderId: 'a', targetProviderId: 'b', scope: { type: 'vms', vmIds: [] } });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('name: give the campaign a name');
    expect(messages).toContain('scope.vmIds: choose at least one VM');
    expect(CreateCampaignSchema.safeParse({ name: 'x', vcenterId: 'vc', sourceProviderId: 'a', targetProviderId: 'b', scope: { type: 'vms', vmIds: ['v'] }, extra: 1 }).success).toBe(false);
    const ok = CreateCampaignSchema.parse({ name: 'x', vcenterId: 'vc', sourceProviderId: 'a', targetProviderId: 'b', scope: { type: 'vms', vmIds: ['v'] } });
    expect(ok.executor).toEqual({ enabled: false, concurrency: 1, applyHaOverride: false, stopAfterFailures: null, dryRun: false });
  });
});
