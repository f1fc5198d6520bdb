/**
 * Unlocking encrypted VMs that stayed locked after a KMS outage (CryptoUnlock_Task, vSphere 7.0+).
 * Order matters: the keys are checked live through KMIP first and a refusal sends nothing to
 * vCenter; then vCenter's own view of the VM is read, the task followed, and the VM read again to
 * verify it is unlocked. "Unlock all" on a host goes one VM at a time and stops at the first VM
 * that is refused or fails, so on-call see exactly where it stopped.
 */
import type { PrismaClient } from '../db/generated/client';
import { DomainError } from '../http/errors';
import type { SecretBox } from '../secrets/keyring';
import { openVcenterCredentials } from '../targets/store';
import { VsphereClient } from '../vsphere/client';
import { isVsphereError } from '../vsphere/errors';
import { waitForTask } from '../vsphere/tasks';
import { checkKeysRetrievable, type KeysByProvider } from './key-check';

const RECOVERY_ERROR_STATUS = {
  'not-found': 404,
  'not-encrypted': 409,
  'keys-unavailable': 409,
  'unlock-failed': 502,
  'not-verified': 502,
} as const;
export type RecoveryErrorCode = keyof typeof RECOVERY_ERROR_STATUS;

export class RecoveryError extends DomainError<RecoveryErrorCode> {
  override name = 'RecoveryError';
  constructor(code: RecoveryErrorCode, message: string) {
    super(code, RECOVERY_ERROR_STATUS[code], message);
  }
}

export interface RecoveryDeps {
  prisma: PrismaClient;
  box: SecretBox;
  /** Per vCenter request, and for following the unlock task. */
  timeoutMs?: number;
}

export interface UnlockResult {
  vmId: string;
  vmName: string;
  /** unlocked: CryptoUnlock_Task ran and the VM reads unlocked; already-unlocked: vCenter had it unlocked, nothing sent. */
  outcome: 'unlocked' | 'already-unlocked';
  taskId: string | null;
}

async function vmKeys(prisma: PrismaClient, vm: { id: string; keyId: string | null; keyProviderId: string | null }): Promise<KeysByProvider> {
  const keys: KeysByProvider = new Map();
  const add = (providerId: string | null, keyId: string | null) => {
    if (!providerId || !keyId) return;
    if (!keys.has(providerId)) keys.set(providerId, new Set());
    keys.get(providerId)!.add(keyId);
  };
  add(vm.keyProviderId, vm.keyId);
  for (const d of await prisma.vcVmDisk.findMany({ where: { vmId: vm.id }, select: { keyId: true, keyProviderId: true } })) add(d.keyProviderId, d.keyId);
  return keys;
}

/** Unlocks one VM (its stored row id). Throws RecoveryError for refusals and failures. */
export async function unlockVm(deps: RecoveryDeps, vmRowId: string): Promise<UnlockResult> {
  const vm = await deps.prisma.vcVm.findUnique({ where: { id: vmRowId } });
  if (!vm) throw new RecoveryError('not-found', 'No VM with that id.');
  if (!vm.keyId) throw new RecoveryError('not-encrypted', `VM ${vm.name} is not encrypted; there is nothing to unlock.`);

  const check = await checkKeysRetrievable(deps.prisma, deps.box, await vmKeys(deps.prisma, vm));
  if (!check.ok) {
    throw new RecoveryError('keys-unavailable', `Not unlocking ${vm.name}: its keys cannot be had yet, so vCenter would fail too; nothing was sent to vCenter. ${check.problems.join(' ')}`);
  }

  const timeoutMs = deps.timeoutMs ?? 30_000;
  const creds = await openVcenterCredentials(deps.prisma, deps.box, vm.vcenterId);
  const client = new VsphereClient({ baseUrl: creds.url, username: creds.username, password: creds.password, caPem: creds.caPem ?? undefined, timeoutMs });
  try {
    const [before] = await client.readVms([vm.moid]);
    if (!before) throw new RecoveryError('not-found', `vCenter ${creds.name} no longer knows VM ${vm.name} (${vm.moid}).`);
    if (before.cryptoState !== 'locked') return { vmId: vm.id, vmName: vm.name, outcome: 'already-unlocked', taskId: null };
    let taskId: string;
    try {
      const task = await client.cryptoUnlockVm(vm.moid);
      taskId = task.value;
      await waitForTask(client.vim, task, { timeoutMs });
    } catch (err) {
      if (isVsphereError(err)) throw new RecoveryError('unlock-failed', `vCenter could not unlock ${vm.name}: ${err.causeText}`);
      throw err;
    }
    const [after] = await client.readVms([vm.moid]);
    if (after?.cryptoState !== 'unlocked') {
      throw new RecoveryError('not-verified', `CryptoUnlock_Task for ${vm.name} succeeded but vCenter still reports it ${after?.cryptoState ?? 'gone'}.`);
    }
    return { vmId: vm.id, vmName: vm.name, outcome: 'unlocked', taskId };
  } finally {
    await client.close().catch(() => undefined);
  }
}

export interface UnlockStep {
  vmId: string;
  vmName: string;
  outcome: 'unlocked' | 'already-unlocked' | 'refused' | 'failed';
  message: string | null;
}

export interface HostUnlockReport {
  hostId: string;
  hostName: string;
  steps: UnlockStep[];
  /** Every locked VM of the host was unlocked (or already was). */
  complete: boolean;
  /** VMs not attempted because an earlier one stopped the run. */
  notAttempted: { vmId: string; vmName: string }[];
}

/**
 * Unlocks the host's VMs that Keywatch last saw locked, one at a time, each verified before the
 * next; stops at the first refusal or failure. `onStep` runs after each VM (the route audits there).
 */
export async function unlockHostVms(deps: RecoveryDeps, hostRowId: string, onStep: (step: UnlockStep) => Promise<void> = async () => undefined): Promise<HostUnlockReport> {
  const host = await deps.prisma.vcHost.findUnique({ where: { id: hostRowId }, select: { id: true, name: true } });
  if (!host) throw new RecoveryError('not-found', 'No host with that id.');
  const locked = await deps.prisma.vcVm.findMany({ where: { hostId: host.id, cryptoState: 'locked' }, orderBy: { name: 'asc' }, select: { id: true, name: true } });
  const steps: UnlockStep[] = [];
  for (const [i, vm] of locked.entries()) {
    let step: UnlockStep;
    try {
      const r = await unlockVm(deps, vm.id);
      step = { vmId: vm.id, vmName: vm.name, outcome: r.outcome, message: null };
    } catch (err) {
      if (!(err instanceof RecoveryError)) throw err;
      step = { vmId: vm.id, vmName: vm.name, outcome: err.code === 'keys-unavailable' ? 'refused' : 'failed', message: err.message };
    }
    steps.push(step);
    await onStep(step);
    if (step.outcome === 'refused' || step.outcome === 'failed') {
      return { hostId: host.id, hostName: host.name, steps, complete: false, notAttempted: locked.slice(i + 1).map((v) => ({ vmId: v.id, vmName: v.name })) };
    }
  }
  return { hostId: host.id, hostName: host.name, steps, complete: true, notAttempted: [] };
}
