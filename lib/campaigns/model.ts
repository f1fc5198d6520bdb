/**
 * The vocabulary of campaigns (rekeys and key-provider moves): item kinds, item and campaign
 * states, failure classes, and the executor settings with their defaults. Shared by the pure
 * functions, the store, the executor and (later) the routes and pages.
 */
import { z } from 'zod';

/** What one item rekeys. A VM's configuration and each of its disks are separate items. */
export const ITEM_KINDS = ['vm-config', 'vm-disk', 'vsan-kek', 'host-key'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
export const VM_ITEM_KINDS: readonly ItemKind[] = ['vm-config', 'vm-disk'];

/** pending → in-progress → rekeyed → verified, or failed (with a class). */
export const ITEM_STATES = ['pending', 'in-progress', 'rekeyed', 'verified', 'failed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

export const FAILURE_CLASSES = ['KEY_INCORRECT', 'PROVIDER_NOT_FOUND', 'POWERED_ON_UNSUPPORTED', 'HA_RESET', 'TIMEOUT', 'OTHER'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/**
 * draft: created, nothing happens yet. running: tracked (and rekeyed by the executor when it is
 * enabled). paused: by someone, or because a provider failed its health check. stopped: the
 * executor hit its failure limit. finished: every item verified.
 */
export const CAMPAIGN_STATUSES = ['draft', 'running', 'paused', 'stopped', 'finished'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const SCOPE_TYPES = ['clusters', 'vms'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

const executorFields = {
  /** Off by default: the campaign tracks rekeys done elsewhere (PowerCLI, the vSphere Client). */
  enabled: z.boolean(),
  /** VMs rekeyed at the same time. One at a time is what the field report recommends. */
  concurrency: z.number().int().min(1).max(16),
  /** Disable HA VM monitoring for each VM (a DAS VM override) during its rekey, then remove the override. */
  applyHaOverride: z.boolean(),
  /** Stop after this many failed VMs since the last start / resume; null = never stop. */
  stopAfterFailures: z.number().int().min(1).max(100_000).nullable(),
  /** Walk the plan, check providers and read each VM, audit what would be done; change nothing. */
  dryRun: z.boolean(),
};

export const ExecutorSettingsSchema = z.object({
  enabled: executorFields.enabled.default(false),
  concurrency: executorFields.concurrency.default(1),
  applyHaOverride: executorFields.applyHaOverride.default(false),
  stopAfterFailures: executorFields.stopAfterFailures.default(null),
  dryRun: executorFields.dryRun.default(false),
});
/** A change of some settings (PATCH): no defaults, so what is not sent stays as it is. */
export const ExecutorSettingsPatchSchema = z.object(executorFields).partial().strict();
export type ExecutorSettings = z.output<typeof ExecutorSettingsSchema>;

export const CreateCampaignSchema = z
  .object({
    name: z.string().trim().min(1, 'give the campaign a name').max(200),
    vcenterId: z.string().trim().min(1).max(200),
    sourceProviderId: z.string().trim().min(1, 'name the source key provider').max(200),
    targetProviderId: z.string().trim().min(1, 'name the target key provider').max(200),
    scope: z.discriminatedUnion('type', [
      z.object({ type: z.literal('clusters'), clusterIds: z.array(z.string().trim().min(1).max(200)).min(1, 'choose at least one cluster').max(1000) }),
      z.object({ type: z.literal('vms'), vmIds: z.array(z.string().trim().min(1).max(200)).min(1, 'choose at least one VM').max(100_000) }),
    ]),
    rekey: z
      .object({ vms: z.boolean().default(true), vsanKeks: z.boolean().default(false), hostKeys: z.boolean().default(false) })
      .default({ vms: true, vsanKeks: false, hostKeys: false }),
    executor: ExecutorSettingsSchema.default(ExecutorSettingsSchema.parse({})),
  })
  .strict();
export type CreateCampaignInput = z.input<typeof CreateCampaignSchema>;
export type CreateCampaign = z.output<typeof CreateCampaignSchema>;

/** `"<kind>:<moid>[:<disk key>]"`: an item's identity inside its campaign. */
export function itemKey(kind: ItemKind, entityMoid: string, diskKey?: number | null): string {
  return diskKey === undefined || diskKey === null ? `${kind}:${entityMoid}` : `${kind}:${entityMoid}:${diskKey}`;
}

export function isVmItem(kind: string): boolean {
  return kind === 'vm-config' || kind === 'vm-disk';
}
