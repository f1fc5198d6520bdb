/**
 * Verification of one VM after its rekey, from a live read (never from what Keywatch asked for):
 * the configuration and every disk on the target provider, the VM unlocked, and
 * runtime.connectionState connected. Pure.
 */
import type { KeyRef } from './inventory';
import type { LiveVm } from './vcenter';

export interface VerifiableItem {
  id: string;
  kind: string;
  diskKey: number | null;
  diskLabel: string | null;
}

export interface ItemCheck {
  id: string;
  onTarget: boolean;
  /** The item still exists on the VM (a disk can be removed meanwhile). */
  present: boolean;
  key: KeyRef | null;
}

export interface VmVerdict {
  /** Every item on the target and the VM healthy. */
  ok: boolean;
  /** The VM itself is unlocked and connected. */
  vmHealthy: boolean;
  locked: boolean;
  items: ItemCheck[];
  /** One phrase per problem, for the item's error text and the audit. */
  problems: string[];
}

export function verifyVm(live: LiveVm, items: readonly VerifiableItem[], targetProviderId: string): VmVerdict {
  const problems: string[] = [];
  const checks = items.map((item): ItemCheck => {
    const isConfig = item.kind === 'vm-config';
    const disk = isConfig ? null : live.disks.find((d) => d.key === item.diskKey);
    const present = isConfig || disk !== undefined;
    const key = isConfig ? live.configKey : (disk?.keyId ?? null);
    const onTarget = key?.providerId === targetProviderId;
    const what = isConfig ? 'the configuration' : `${item.diskLabel ?? 'disk'} (device ${item.diskKey})`;
    if (!present) problems.push(`${what} is no longer on the VM`);
    else if (!key) problems.push(`${what} is not encrypted`);
    else if (!onTarget) problems.push(`${what} is on provider ${key.providerId ?? '(unknown)'}, not ${targetProviderId}`);
    return { id: item.id, onTarget, present, key };
  });
  const locked = live.cryptoState === 'locked';
  if (locked) problems.push('the VM is locked (runtime.cryptoState locked)');
  if (live.cryptoState === null) problems.push('the VM reports no crypto state (not encrypted)');
  if (live.connectionState !== 'connected') problems.push(`runtime.connectionState is ${live.connectionState}`);
  const vmHealthy = live.cryptoState === 'unlocked' && live.connectionState === 'connected';
  return { ok: vmHealthy && checks.every((c) => c.onTarget), vmHealthy, locked, items: checks, problems };
}

/** Every encrypted key of the VM (configuration and disks) already on the target, and the VM healthy. */
export function vmFullyOnTarget(live: LiveVm, targetProviderId: string): boolean {
  const keys = [live.configKey, ...live.disks.map((d) => d.keyId)].filter((k): k is KeyRef => k !== null);
  return keys.length > 0 && keys.every((k) => k.providerId === targetProviderId) && live.cryptoState === 'unlocked' && live.connectionState === 'connected';
}
