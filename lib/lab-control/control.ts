/**
 * The Lab page's server side: find the running lab from its stored target, read its state, apply
 * a fault (or Keywatch's `restore-all`, a sequence of faults that undoes what can be undone).
 * Exists only in lab mode (`npm start` passed the lab's description to the web server).
 */
import { getAuthConfig } from '../auth/config';
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { openVcenterConnection } from '../targets/vcenter-connection';
import type { LabFault, LabVcenterFault } from './catalog';
import { LabClient, LabControlError, type LabClientOptions } from './lab-client';
import { labStateView, type LabStateAnswer, type LabStateView } from './lab-state';

/** True when this Keywatch runs beside its lab (npm start in lab mode). */
export function labModeOn(): boolean {
  return Boolean(getAuthConfig().labConfig);
}

/**
 * A client for the lab vCenter registered as a target with source 'lab' (lib/targets/lab-targets.ts):
 * its URL, credentials and CA. Refuses (404) outside lab mode or when that target is missing.
 */
export async function openLabClient(prisma: PrismaClient, box: SecretBox, options: { labMode: boolean } & LabClientOptions): Promise<LabClient> {
  if (!options.labMode) throw new LabControlError('not-lab-mode', 'The lab controls exist only in lab mode (npm start with the simulated estate).');
  const target = await prisma.vcenterTarget.findFirst({ where: { source: 'lab' }, orderBy: { createdAt: 'asc' }, select: { id: true } });
  if (!target) throw new LabControlError('not-lab-mode', 'No lab vCenter is registered; restart Keywatch in lab mode so it registers the lab.');
  return new LabClient(await openVcenterConnection(prisma, box, target.id), options);
}

export async function readLabState(client: LabClient): Promise<LabStateView> {
  return labStateView(await client.state());
}

export interface FaultResult {
  type: LabFault['type'];
  /** The lab's account of each change, in order. */
  applied: string[];
  /** Steps of `restore-all` the lab refused (a deleted key cannot come back, a host still booting). */
  skipped: string[];
}

/**
 * KMS nodes back on their registered ports, answering with their normal certificates; replication
 * without lag; vCenter and NKP faults off; hosts connected and on; the KMS VM back where the lab
 * started it.
 */
export function restoreKmsAndHosts(state: LabStateAnswer): LabVcenterFault[] {
  const steps: LabVcenterFault[] = [{ type: 'clear' }];
  const registered = new Map(state.providers.flatMap((p) => p.nodes).map((n) => [n.id, n.registeredPort ?? n.port]));
  for (const node of state.kms?.nodes ?? []) {
    const registeredPort = registered.get(node.id);
    if (registeredPort !== undefined && node.port !== registeredPort) steps.push({ type: 'kms-node-port', node: node.id });
    if (node.faults?.down) steps.push({ type: 'kms-node-down', node: node.id, down: false });
    if (node.faults?.blackHole) steps.push({ type: 'kms-node-black-hole', node: node.id, on: false });
    if (node.faults?.slowMs) steps.push({ type: 'kms-node-slow', node: node.id, ms: 0 });
    if (node.faults?.expiredCertificate) steps.push({ type: 'kms-node-expired-certificate', node: node.id, on: false });
    if (node.faults?.certificateExpiresInDays !== null && node.faults?.certificateExpiresInDays !== undefined) {
      steps.push({ type: 'kms-node-certificate-expiring', node: node.id });
    }
  }
  // Lag 0 also delivers the copies still in flight: the nodes catch up at once.
  if (state.kms?.replicationLagMs) steps.push({ type: 'kms-replication-lag', ms: 0 });
  if (state.providers.some((p) => p.available === false)) steps.push({ type: 'nkp-unavailable', on: false });
  for (const host of state.hosts) {
    if (host.connectionState === 'disconnected') steps.push({ type: 'host-disconnect', host: host.id, on: false });
    if (host.powerState === 'poweredOff') steps.push({ type: 'host-power-on', host: host.id, wait: true });
  }
  // After the hosts are on: the appliance goes back to the host it started on.
  const selfHosted = state.kmsSelfHosted;
  if (selfHosted && selfHosted.now !== selfHosted.atStart) steps.push({ type: 'kms-self-hosted', on: selfHosted.atStart });
  return steps;
}

/** Running hosts whose disk groups are not mounted: ask the KMS again. */
export function remountSteps(state: LabStateAnswer): LabVcenterFault[] {
  return state.hosts.filter((h) => h.phase === 'up' && !h.diskGroupsMounted).map((h) => ({ type: 'remount', host: h.id }));
}

/** Locked VMs: re-read their configuration now that their hosts hold the keys again. */
export function reloadSteps(state: LabStateAnswer): LabVcenterFault[] {
  return (state.vms ?? []).filter((v) => v.cryptoState === 'locked').map((v) => ({ type: 'vm-reload', vm: v.id }));
}

/** VMs powered, and watched by HA, as the lab started them (unlocked first, so that they can start). */
export function vmStartSteps(state: LabStateAnswer): LabVcenterFault[] {
  return (state.vms ?? []).flatMap((v): LabVcenterFault[] => {
    if (!v.atStart) return [];
    return [
      ...(v.powerState !== v.atStart.powerState ? [{ type: 'vm-power' as const, vm: v.id, on: v.atStart.powerState === 'poweredOn' }] : []),
      ...(v.haVmMonitoring !== undefined && v.haVmMonitoring !== v.atStart.haVmMonitoring ? [{ type: 'vm-ha-monitoring' as const, vm: v.id, enabled: v.atStart.haVmMonitoring }] : []),
    ];
  });
}

/**
 * Keys some KMS node lacks while another has them: deleted on purpose, and no fault brings them
 * back. Read after the replication lag is gone, so a copy merely in flight is not counted.
 */
export function missingKeys(state: LabStateAnswer): string[] {
  const nodes = state.kms?.nodes ?? [];
  const everywhere = new Set(nodes.flatMap((n) => n.keys.map((k) => k.id)));
  return nodes.flatMap((n) => {
    const held = new Set(n.keys.map((k) => k.id));
    return [...everywhere].filter((id) => !held.has(id)).map((id) => `key ${id} is missing on ${n.id} (deleted; the lab cannot bring it back)`);
  });
}

/** Keys revoked (or otherwise past Active) on the KMS: KMIP has no way back to Active. */
export function revokedKeys(state: LabStateAnswer): string[] {
  const states = new Map<string, string>();
  for (const node of state.kms?.nodes ?? []) for (const key of node.keys) if (key.state !== 'Active' && key.state !== 'PreActive') states.set(key.id, key.state);
  return [...states].map(([id, keyState]) => `key ${id} is ${keyState} (revoked; KMIP cannot make it Active again)`);
}

async function runSteps(client: LabClient, steps: LabVcenterFault[], result: FaultResult): Promise<void> {
  for (const step of steps) {
    try {
      result.applied.push(await client.applyFault(step));
    } catch (error) {
      // The lab being gone ends the sequence; one refused step does not.
      if (!(error instanceof LabControlError) || error.code === 'lab-unavailable') throw error;
      result.skipped.push(`${step.type}: ${error.message}`);
    }
  }
}

export async function applyLabFault(client: LabClient, fault: LabFault): Promise<FaultResult> {
  const result: FaultResult = { type: fault.type, applied: [], skipped: [] };
  if (fault.type !== 'restore-all') {
    result.applied.push(await client.applyFault(fault));
    return result;
  }
  // Each phase reads the lab again: what needs remounting depends on the KMS being back first.
  for (const phase of [restoreKmsAndHosts, remountSteps, reloadSteps, vmStartSteps]) {
    const state = await client.state();
    if (phase === remountSteps) result.skipped.push(...missingKeys(state), ...revokedKeys(state));
    await runSteps(client, phase(state), result);
  }
  if (result.applied.length === 1 && result.skipped.length === 0) result.applied.push('Nothing else needed restoring.');
  return result;
}
