/**
 * Fault injection for the lab (POST /lab/faults). Each body is one fault, validated with zod;
 * KMS faults go to the lab KMS cluster's own fault controls (so they are real: a moved port
 * refuses connections, a black-holed node swallows packets), host and VM faults drive the host
 * model, vCenter faults change how the lab vCenter answers.
 */
import { z } from 'zod';
import type { LabModel, RekeyFailureMode } from './host-model';
import { VimFault } from './vim-fault';

const hostRef = z.string().min(1).describe('host moId (host-3) or name');
const vmRef = z.string().min(1).describe('VM moId (vm-12) or name');
const nodeRef = z.string().min(1).describe('KMS node id as listed in GET /lab/state');

export const labFaultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('kms-node-down'), node: nodeRef, down: z.boolean().default(true) }),
  z.object({ type: z.literal('kms-node-black-hole'), node: nodeRef, on: z.boolean().default(true) }),
  z.object({
    type: z.literal('kms-node-port'),
    node: nodeRef,
    /** New listening port; omit to restore the port vCenter and the hosts were configured with. */
    port: z.number().int().min(1).max(65535).optional(),
  }),
  z.object({ type: z.literal('kms-node-slow'), node: nodeRef, ms: z.number().int().min(0).max(120_000) }),
  z.object({ type: z.literal('kms-node-expired-certificate'), node: nodeRef, on: z.boolean().default(true) }),
  /** The node's server certificate expires in `days`; omit `days` to restore its normal certificate. */
  z.object({ type: z.literal('kms-node-certificate-expiring'), node: nodeRef, days: z.number().int().min(0).max(3650).optional() }),
  /** Key changes reach the other KMS nodes only after `ms` (cluster-wide). */
  z.object({ type: z.literal('kms-replication-lag'), ms: z.number().int().min(0).max(3_600_000) }),
  z.object({ type: z.literal('kms-delete-key'), node: nodeRef, keyId: z.string().min(1) }),
  z.object({ type: z.literal('kms-revoke-key'), keyId: z.string().min(1) }),
  z.object({ type: z.literal('host-reboot'), host: hostRef, wait: z.boolean().default(false) }),
  z.object({ type: z.literal('host-power-off'), host: hostRef }),
  z.object({ type: z.literal('host-power-on'), host: hostRef, wait: z.boolean().default(false) }),
  z.object({ type: z.literal('remount'), host: hostRef }),
  z.object({ type: z.literal('host-kms-isolation'), host: hostRef, on: z.boolean().default(true) }),
  z.object({ type: z.literal('host-disconnect'), host: hostRef, on: z.boolean().default(true) }),
  z.object({ type: z.literal('vcenter-latency'), ms: z.number().int().min(0).max(120_000) }),
  z.object({ type: z.literal('vcenter-unavailable'), on: z.boolean().default(true) }),
  z.object({ type: z.literal('provider-details-error'), on: z.boolean().default(true) }),
  z.object({ type: z.literal('nkp-unavailable'), on: z.boolean().default(true) }),
  z.object({ type: z.literal('kms-self-hosted'), on: z.boolean().default(true) }),
  z.object({
    type: z.literal('rekey-failure'),
    mode: z.enum(['none', 'ha-reset', 'provider-not-found', 'refuse-powered-on']),
    /** Only these VMs (moId or name) fail; omit for every VM. */
    vms: z.array(vmRef).optional(),
  }),
  z.object({ type: z.literal('vm-reload'), vm: vmRef }),
  z.object({ type: z.literal('vm-power'), vm: vmRef, on: z.boolean() }),
  z.object({ type: z.literal('vm-ha-monitoring'), vm: vmRef, enabled: z.boolean() }),
  z.object({ type: z.literal('expire-sessions') }),
  z.object({ type: z.literal('clear') }),
]);
export type LabFaultRequest = z.infer<typeof labFaultSchema>;
export type LabFaultType = LabFaultRequest['type'];

/** What the lab vCenter itself does wrong on purpose. */
export interface VcenterFaultState {
  latencyMs: number;
  unavailable: boolean;
  /** Key provider detail reads (GET …/kms/providers/{p}, vCenter-wide and per host) answer 500. */
  providerDetailsError: boolean;
  rekeyFailure: RekeyFailureMode;
  /** VM moIds the rekey failure mode applies to; null = all. */
  rekeyFailureVms: string[] | null;
}

/** The lab KMS cluster's fault controls (lab/kms/cluster.ts), reduced to what the lab vCenter drives. */
export interface KmsFaultControls {
  setNodeDown(id: string, down: boolean): unknown;
  setBlackHole(id: string, on: boolean): unknown;
  setSlow(id: string, ms: number): unknown;
  setExpiredCertificate(id: string, on: boolean): unknown;
  setCertificateExpiring(id: string, days: number | null): unknown;
  setReplicationLag(ms: number): unknown;
  deleteKeyOnNode(id: string, keyId: string): unknown;
  setPort(id: string, port: number): unknown;
}

export interface FaultContext {
  model: LabModel;
  vcenter: VcenterFaultState;
  kms: KmsFaultControls | null;
  /** Registered (configured) port of each KMS node, to restore a moved node. */
  registeredPorts: Map<string, number>;
  /** Forget cached KMS reachability so the next read measures the new reality. */
  invalidateReachability(): void;
  /** The Native Key Provider's keys can (not) be had: vCenter's own key store fails. */
  setNativeProviderAvailable(available: boolean): void;
  /** KMIP Revoke of a key on its provider (replicated by the KMS like any change). */
  revokeKey(keyId: string): Promise<void>;
  expireSessions(): void;
}

/** Zod issues as one plain sentence, for the 400 answer. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

function resolveHost(model: LabModel, ref: string): string {
  if (model.index.hosts.has(ref)) return ref;
  const byName = model.estate.hosts.find((h) => h.name === ref);
  if (!byName) throw new VimFault('NotFound', `No host is called ${ref}.`);
  return byName.id;
}

function resolveVm(model: LabModel, ref: string): string {
  if (model.index.vms.has(ref)) return ref;
  const byName = [...model.registeredVms()].find((v) => v.name === ref);
  if (!byName) throw new VimFault('NotFound', `No virtual machine is called ${ref}.`);
  return byName.id;
}

function kmsControls(ctx: FaultContext, node: string): KmsFaultControls {
  if (!ctx.kms) throw new VimFault('InvalidState', 'This lab vCenter runs without a lab KMS cluster; KMS faults are unavailable.');
  if (!ctx.registeredPorts.has(node)) {
    throw new VimFault('NotFound', `No KMS node is called ${node}; known nodes: ${[...ctx.registeredPorts.keys()].join(', ')}.`);
  }
  return ctx.kms;
}

/** Changes one KMS node, then drops cached reachability so the next health read measures the change. */
async function changeKmsNode(ctx: FaultContext, node: string, change: (kms: KmsFaultControls) => unknown): Promise<void> {
  await change(kmsControls(ctx, node));
  ctx.invalidateReachability();
}

/** A host that boots in the background shows how it went in /lab/state, not in this answer. */
async function waitIfAsked(done: Promise<void>, wait: boolean): Promise<void> {
  if (wait) await done;
  else done.catch(() => undefined);
}

/** Applies one fault; resolves with a one-line description of what changed. */
export async function applyFault(fault: LabFaultRequest, ctx: FaultContext): Promise<string> {
  const { model } = ctx;
  switch (fault.type) {
    case 'kms-node-down':
      await changeKmsNode(ctx, fault.node, (kms) => kms.setNodeDown(fault.node, fault.down));
      return `KMS node ${fault.node} is ${fault.down ? 'down' : 'up'}.`;
    case 'kms-node-black-hole':
      await changeKmsNode(ctx, fault.node, (kms) => kms.setBlackHole(fault.node, fault.on));
      return `KMS node ${fault.node} ${fault.on ? 'now swallows traffic' : 'answers again'}.`;
    case 'kms-node-port': {
      const port = fault.port ?? ctx.registeredPorts.get(fault.node)!;
      await changeKmsNode(ctx, fault.node, (kms) => kms.setPort(fault.node, port));
      return `KMS node ${fault.node} listens on port ${port}${fault.port === undefined ? ' (restored)' : ''}.`;
    }
    case 'kms-node-slow':
      await changeKmsNode(ctx, fault.node, (kms) => kms.setSlow(fault.node, fault.ms));
      return `KMS node ${fault.node} answers after ${fault.ms} ms.`;
    case 'kms-node-expired-certificate':
      await changeKmsNode(ctx, fault.node, (kms) => kms.setExpiredCertificate(fault.node, fault.on));
      return `KMS node ${fault.node} ${fault.on ? 'presents an expired certificate' : 'presents a valid certificate'}.`;
    case 'kms-node-certificate-expiring':
      await changeKmsNode(ctx, fault.node, (kms) => kms.setCertificateExpiring(fault.node, fault.days ?? null));
      return fault.days === undefined ? `KMS node ${fault.node} presents its normal certificate.` : `KMS node ${fault.node} presents a certificate that expires in ${fault.days} days.`;
    case 'kms-replication-lag':
      if (!ctx.kms) throw new VimFault('InvalidState', 'This lab vCenter runs without a lab KMS cluster; KMS faults are unavailable.');
      await ctx.kms.setReplicationLag(fault.ms);
      return `Key changes reach the other KMS nodes after ${fault.ms} ms.`;
    case 'kms-delete-key':
      await kmsControls(ctx, fault.node).deleteKeyOnNode(fault.node, fault.keyId);
      return `Key ${fault.keyId} deleted on KMS node ${fault.node}.`;
    case 'kms-revoke-key':
      await ctx.revokeKey(fault.keyId);
      return `Key ${fault.keyId} revoked (Deactivated); hosts can still unwrap with it, but it is no longer Active.`;
    case 'host-reboot': {
      const hostId = resolveHost(model, fault.host);
      await waitIfAsked(model.rebootHost(hostId), fault.wait);
      return `Host ${hostId} ${fault.wait ? 'rebooted' : 'is rebooting'}.`;
    }
    case 'host-power-off': {
      const hostId = resolveHost(model, fault.host);
      model.powerOffHost(hostId);
      return `Host ${hostId} is powered off.`;
    }
    case 'host-power-on': {
      const hostId = resolveHost(model, fault.host);
      await waitIfAsked(model.powerOnHost(hostId), fault.wait);
      return `Host ${hostId} ${fault.wait ? 'booted' : 'is booting'}.`;
    }
    case 'remount': {
      const hostId = resolveHost(model, fault.host);
      await model.remount(hostId);
      const host = model.host(hostId);
      return `Host ${hostId} disk groups ${host.diskGroupsMounted ? 'mounted' : `still unmounted (${host.lastKeyError ?? 'keys missing'}); the host retries by itself`}.`;
    }
    case 'kms-self-hosted':
      return `${model.setKmsSelfHosted(fault.on)}.`;
    case 'host-kms-isolation': {
      const hostId = resolveHost(model, fault.host);
      model.setKmsIsolation(hostId, fault.on);
      return `Host ${hostId} ${fault.on ? 'can no longer reach' : 'can reach'} the standard key provider.`;
    }
    case 'host-disconnect': {
      const hostId = resolveHost(model, fault.host);
      model.setDisconnected(hostId, fault.on);
      return `Host ${hostId} is ${fault.on ? 'disconnected from' : 'connected to'} vCenter.`;
    }
    case 'vcenter-latency':
      ctx.vcenter.latencyMs = fault.ms;
      return `vCenter answers after ${fault.ms} ms.`;
    case 'vcenter-unavailable':
      ctx.vcenter.unavailable = fault.on;
      return fault.on ? 'vCenter answers 503.' : 'vCenter answers normally.';
    case 'provider-details-error':
      ctx.vcenter.providerDetailsError = fault.on;
      return fault.on ? 'Key provider detail reads answer 500.' : 'Key provider detail reads answer normally.';
    case 'nkp-unavailable':
      ctx.setNativeProviderAvailable(!fault.on);
      return fault.on
        ? 'The Native Key Provider is unavailable: its keys cannot be fetched or generated.'
        : 'The Native Key Provider is available again.';
    case 'rekey-failure':
      ctx.vcenter.rekeyFailureVms = fault.vms ? fault.vms.map((v) => resolveVm(model, v)) : null;
      ctx.vcenter.rekeyFailure = fault.mode;
      return `Shallow rekeys ${fault.vms ? `of ${ctx.vcenter.rekeyFailureVms!.join(', ')} ` : ''}now fail with mode ${fault.mode}.`;
    case 'vm-reload': {
      const vmId = resolveVm(model, fault.vm);
      await model.reloadVm(vmId);
      return `VM ${vmId} reloaded; crypto state ${model.vmCryptoState(vmId) ?? 'not encrypted'}.`;
    }
    case 'vm-power': {
      const vmId = resolveVm(model, fault.vm);
      if (fault.on) await model.powerOnVm(vmId);
      else await model.powerOffVm(vmId);
      return `VM ${vmId} is powered ${fault.on ? 'on' : 'off'}.`;
    }
    case 'vm-ha-monitoring': {
      const vmId = resolveVm(model, fault.vm);
      model.setHaVmMonitoring(vmId, fault.enabled);
      return `HA VM monitoring ${fault.enabled ? 'on' : 'off'} for ${vmId}.`;
    }
    case 'expire-sessions':
      ctx.expireSessions();
      return 'All sessions expired.';
    case 'clear':
      ctx.vcenter.latencyMs = 0;
      ctx.vcenter.unavailable = false;
      ctx.vcenter.providerDetailsError = false;
      ctx.vcenter.rekeyFailure = 'none';
      ctx.vcenter.rekeyFailureVms = null;
      for (const host of model.hosts.values()) host.kmsIsolated = false;
      return 'vCenter faults cleared (latency, 503, provider detail errors, rekey failure mode, host KMS isolation); KMS and NKP faults are left as they are.';
  }
}
