/**
 * Why a shallow rekey failed, from what vCenter says (task error text, fault type) and what was
 * seen around it (HA VM monitoring, a VM that went down mid-task), and what to do about each
 * class, with its cost. The texts are the ones the field report and DESIGN.md §1 quote:
 * - "Cannot decrypt disk because key or password is incorrect" (vmware.log, after a failed rekey);
 * - "The provider '…' does not exist." (com.vmware.esx.trusted_infrastructure.kms.providers.not_found);
 * - "unable to shallow rekey powered on vm" (vCenter 7.0 P07 refusing a powered-on VM).
 */
import type { FailureClass } from './model';

export interface FailureEvidence {
  /** Task error text (TaskInfo.error.localizedMessage) or the client's error message. */
  message: string;
  /** vim25 fault type (`_typeName`), when known. */
  faultType?: string | null;
  /** lib/vsphere VsphereError.kind, when the failure came through the client. */
  errorKind?: string | null;
  /** HA VM monitoring was in effect for the VM during the attempt. */
  haVmMonitoring?: boolean | null;
  /** VM power state before the task, and read again after it failed. */
  powerStateBefore?: string | null;
  powerStateAfter?: string | null;
}

const KEY_INCORRECT_TEXT = /cannot decrypt disk because key or password is incorrect|key or password is incorrect/i;
const HA_RESET_TEXT = /reset by vsphere ha|vsphere ha (?:has )?reset|VmDasBeingResetEvent/i;
const PROVIDER_NOT_FOUND_TEXT = /the provider '[^']*' does not exist|kms\.providers\.not_found|key provider [^ ]+ (?:does not exist|not found)/i;
// The report's second cause is the same failure seen from the other side: vCenter lost the KMS.
const PROVIDER_UNREACHABLE_TEXT = /cannot reach key provider|no kms node of \S+ answered|unable to (?:connect to|reach) (?:the )?(?:kms|key provider)/i;
const POWERED_ON_TEXT = /unable to shallow rekey powered on vm/i;
const TIMEOUT_TEXT = /did not finish within|timed out|\btimeout\b/i;

/** The class of one failure. Pure; the order matters: the most specific evidence wins. */
export function classifyFailure(evidence: FailureEvidence): FailureClass {
  const text = evidence.message ?? '';
  if (PROVIDER_NOT_FOUND_TEXT.test(text) || PROVIDER_UNREACHABLE_TEXT.test(text)) return 'PROVIDER_NOT_FOUND';
  if (POWERED_ON_TEXT.test(text)) return 'POWERED_ON_UNSUPPORTED';
  if (HA_RESET_TEXT.test(text)) return 'HA_RESET';
  if (KEY_INCORRECT_TEXT.test(text)) {
    // The same vmware.log line follows an HA reset mid-rekey; what tells them apart is that HA
    // VM monitoring was on and the VM, running before the task, is no longer running after it.
    const wentDown = evidence.powerStateBefore === 'poweredOn' && evidence.powerStateAfter != null && evidence.powerStateAfter !== 'poweredOn';
    return evidence.haVmMonitoring === true && wentDown ? 'HA_RESET' : 'KEY_INCORRECT';
  }
  if (evidence.errorKind === 'task-timeout' || evidence.errorKind === 'timeout' || evidence.faultType === 'Timedout' || TIMEOUT_TEXT.test(text)) {
    return 'TIMEOUT';
  }
  return 'OTHER';
}

/** One-click actions an operator can run on a failed VM (see remediation.ts). */
export const REMEDIATION_ACTIONS = ['verify', 'retry', 'reload', 'unlock', 'power-cycle', 'unregister-register'] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

/** What the two remediations that cost something cost: the page asks the operator to confirm it, the API requires the flag. */
export const POWER_CYCLE_COST = 'Power cycle powers the VM off for its rekey (downtime) and on again; both providers must stay reachable throughout.';
export const HISTORY_LOSS_COST =
  'Unregister / register loses the VM’s vCenter and vROps history (performance, events, tasks); only vmware.log stays in its folder on the datastore. Try reload first.';
export const POWER_CYCLE_CONFIRMATION = `${POWER_CYCLE_COST} Send confirmPowerOff: true to go ahead.`;
export const HISTORY_LOSS_WARNING = `${HISTORY_LOSS_COST.slice(0, -1)}; send acceptHistoryLoss: true to go ahead.`;

export interface Workaround {
  summary: string;
  steps: string[];
  /** What the fix costs the VM or its owners. */
  cost: string;
  /** The one-click actions offered for this class, the least costly first. */
  remediations: RemediationAction[];
}

const RELOAD_STEP = 'Reload the VM configuration (Reload, as `vim-cmd vmsvc/reload <vmid>` on the host): same vmid, the vCenter history is kept.';
const REREGISTER_STEP =
  'Only if the reload does not unlock it: remove the VM from the inventory, check its files on the datastore and register it again; the host drops the KEK from its cache and asks the KMS for it by key id.';
const RELOAD_COST =
  'Reload: none (vmid and vCenter history kept). Unregister / register: the VM’s vCenter and vROps history (performance, events, tasks) is lost; vmware.log stays in the VM folder on the datastore.';

export const WORKAROUNDS: Record<FailureClass, Workaround> = {
  KEY_INCORRECT: {
    summary: 'The VM cannot open its disks with the key it now names (“Cannot decrypt disk because key or password is incorrect”).',
    steps: ['Make sure the source and the target provider are both healthy from the VM’s host.', RELOAD_STEP, REREGISTER_STEP, 'Verify, then retry the rekey.'],
    cost: RELOAD_COST,
    remediations: ['reload', 'unlock', 'unregister-register', 'verify', 'retry'],
  },
  HA_RESET: {
    summary: 'vSphere HA VM monitoring reset the VM while it was being rekeyed; some disks were rewrapped, others not.',
    steps: [
      RELOAD_STEP,
      REREGISTER_STEP,
      'Before retrying: add an HA VM override disabling VM monitoring for this VM (or turn on “apply HA VM override” in the campaign).',
      'Retry the rekey, then remove the override.',
    ],
    cost: `${RELOAD_COST} The HA VM override leaves the VM without HA VM monitoring while it is rekeyed.`,
    remediations: ['reload', 'unregister-register', 'verify', 'retry'],
  },
  PROVIDER_NOT_FOUND: {
    summary: 'vCenter or the VM’s host does not find the key provider (“The provider … does not exist”): nothing was changed on the VM.',
    steps: [
      'Check that the provider is registered in vCenter under exactly this id and that vCenter trusts it.',
      'Check the provider’s health as each host sees it; restore vCenter ↔ KMS connectivity.',
      'Retry once both providers pass the health check.',
    ],
    cost: 'None for the VM: it still uses its old key.',
    remediations: ['retry'],
  },
  POWERED_ON_UNSUPPORTED: {
    summary: 'This vCenter refuses a shallow rekey of a powered-on VM (“unable to shallow rekey powered on vm”).',
    steps: ['Power the VM off.', 'Shallow rekey it while powered off.', 'Power it on again and verify.'],
    cost: 'Downtime of the VM for the rekey; both providers must stay reachable during the whole operation.',
    remediations: ['power-cycle', 'retry'],
  },
  TIMEOUT: {
    summary: 'The rekey task did not finish in time; the VM may or may not be rekeyed.',
    steps: ['Verify: read the VM’s keys and crypto state from vCenter.', 'If it is on the target provider and unlocked it is done; otherwise retry.'],
    cost: 'None.',
    remediations: ['verify', 'retry'],
  },
  OTHER: {
    summary: 'The rekey failed for a reason Keywatch does not classify; read the error text.',
    steps: ['Read the task error in vCenter.', 'Verify the VM, fix the cause, then retry.'],
    cost: 'Depends on the cause.',
    remediations: ['verify', 'retry'],
  },
};

export function workaroundFor(failureClass: FailureClass): Workaround {
  return WORKAROUNDS[failureClass];
}
