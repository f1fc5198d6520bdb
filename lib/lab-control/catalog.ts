/**
 * The lab faults Keywatch may forward, in one place: the request schema (what POST
 * /api/v1/lab/faults accepts) and the Lab page's buttons, each with its one-line story.
 *
 * The schema mirrors the lab vCenter's own (lab/vcenter, `labFaultSchema`) rather than importing
 * it: that module drives the simulated estate and must not be bundled into the web server.
 * lab-control.test.ts sends every entry to a real lab, so a drift shows up as a failing test.
 * Adding a fault: one variant in `labFaultSchema` (same fields and bounds as the lab's) and one
 * entry in `LAB_FAULT_CATALOG`.
 *
 * Plain data and zod only: the Lab page's server component hands the catalog to the browser.
 */
import { z } from 'zod';

const hostRef = z.string().min(1).max(200);
const vmRef = z.string().min(1).max(200);
const nodeRef = z.string().min(1).max(100);
const keyId = z.string().min(1).max(200);
const ms = z.number().int().min(0).max(120_000);

/** The faults of the lab vCenter's POST /lab/faults, plus Keywatch's own `restore-all`. */
export const labFaultSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('kms-node-down'), node: nodeRef, down: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('kms-node-black-hole'), node: nodeRef, on: z.boolean().default(true) }),
  // Without `port` the node goes back to the port vCenter and the hosts were configured with.
  z.strictObject({ type: z.literal('kms-node-port'), node: nodeRef, port: z.number().int().min(1).max(65535).optional() }),
  z.strictObject({ type: z.literal('kms-node-slow'), node: nodeRef, ms }),
  z.strictObject({ type: z.literal('kms-node-expired-certificate'), node: nodeRef, on: z.boolean().default(true) }),
  // Without `days` the node presents its normal certificate again.
  z.strictObject({ type: z.literal('kms-node-certificate-expiring'), node: nodeRef, days: z.number().int().min(0).max(3650).optional() }),
  z.strictObject({ type: z.literal('kms-replication-lag'), ms: z.number().int().min(0).max(3_600_000) }),
  z.strictObject({ type: z.literal('kms-delete-key'), node: nodeRef, keyId }),
  z.strictObject({ type: z.literal('kms-revoke-key'), keyId }),
  z.strictObject({ type: z.literal('host-reboot'), host: hostRef, wait: z.boolean().default(false) }),
  z.strictObject({ type: z.literal('host-power-off'), host: hostRef }),
  z.strictObject({ type: z.literal('host-power-on'), host: hostRef, wait: z.boolean().default(false) }),
  z.strictObject({ type: z.literal('remount'), host: hostRef }),
  z.strictObject({ type: z.literal('host-kms-isolation'), host: hostRef, on: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('host-disconnect'), host: hostRef, on: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('vcenter-latency'), ms }),
  z.strictObject({ type: z.literal('vcenter-unavailable'), on: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('provider-details-error'), on: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('nkp-unavailable'), on: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('kms-self-hosted'), on: z.boolean().default(true) }),
  z.strictObject({
    type: z.literal('rekey-failure'),
    mode: z.enum(['none', 'ha-reset', 'provider-not-found', 'refuse-powered-on']),
    vms: z.array(vmRef).max(1000).optional(),
  }),
  z.strictObject({ type: z.literal('vm-reload'), vm: vmRef }),
  z.strictObject({ type: z.literal('vm-power'), vm: vmRef, on: z.boolean() }),
  z.strictObject({ type: z.literal('vm-ha-monitoring'), vm: vmRef, enabled: z.boolean() }),
  z.strictObject({ type: z.literal('expire-sessions') }),
  z.strictObject({ type: z.literal('clear') }),
  // Keywatch's, not the lab's: a sequence of the faults above that undoes what can be undone.
  z.strictObject({ type: z.literal('restore-all') }),
]);

export type LabFault = z.output<typeof labFaultSchema>;
export type LabFaultType = LabFault['type'];
/** A fault the lab vCenter itself understands (everything but Keywatch's composite). */
export type LabVcenterFault = Exclude<LabFault, { type: 'restore-all' }>;

/** What the page picks from the lab state before sending: the KMS node, a host, a VM, a VM's key. */
export type LabFaultChoice = 'node' | 'host' | 'vm' | 'vmKey';

type Template<F> = F extends { type: infer T } ? { type: T } & Partial<Omit<F, 'type'>> : never;

export interface LabFaultEntry {
  /** Stable id (test ids, React keys). */
  id: string;
  /** The button's text: what pressing it does. */
  label: string;
  /** One line: what happens in the estate, and why it matters. */
  story: string;
  /** `story`: the walk-through at the top of the page; the rest by what they act on. */
  group: 'story' | 'kms' | 'host' | 'vm' | 'vcenter';
  /** The fields fixed by the entry; the choices fill the others. */
  fault: Template<z.input<typeof labFaultSchema>>;
  choose?: readonly LabFaultChoice[];
  /** Ask first, naming what it acts on (a host reboot cannot be taken back). */
  confirm?: boolean;
}

export const LAB_FAULT_CATALOG: readonly LabFaultEntry[] = [
  {
    id: 'kms-1-port-5697',
    label: 'Move KMS node 1 to port 5697',
    story: "The seeds' outage: node 1 runs fine but listens on 5697, while vCenter and the hosts still dial its registered port, so to them it is down.",
    group: 'story',
    fault: { type: 'kms-node-port', node: 'kms-1', port: 5697 },
  },
  {
    id: 'kms-1-back',
    label: 'Bring KMS node 1 back',
    story: 'Node 1 listens on its registered port again; hosts that retry now get their keys.',
    group: 'story',
    fault: { type: 'kms-node-port', node: 'kms-1' },
  },
  {
    id: 'kms-2-down',
    label: 'Take KMS node 2 down',
    story: 'Node 2 stops. The others still serve every key, so nothing breaks yet — but the cluster has one node fewer to lose.',
    group: 'story',
    fault: { type: 'kms-node-down', node: 'kms-2', down: true },
  },
  {
    id: 'host-reboot',
    label: 'Reboot the host',
    story: 'The host forgets its keys and fetches them at boot; if no KMS node answers, its disk groups stay unmounted and its encrypted VMs locked.',
    group: 'story',
    fault: { type: 'host-reboot' },
    choose: ['host'],
    confirm: true,
  },
  {
    id: 'delete-vm-key',
    label: "Delete a VM's key on one node",
    story: 'A replication gap: that node no longer has the key, and a host that asks it cannot unlock the VM.',
    group: 'story',
    fault: { type: 'kms-delete-key' },
    choose: ['node', 'vmKey'],
  },
  {
    id: 'remount',
    label: 'Remount disk groups',
    story: 'The host asks the KMS again for the keys it misses and mounts what they unlock — the fix once the KMS is back.',
    group: 'story',
    fault: { type: 'remount' },
    choose: ['host'],
  },
  {
    id: 'restore-all',
    label: 'Restore everything',
    story: 'KMS nodes back on their ports, answering with their normal certificates and replicating at once; vCenter and NKP faults off; the KMS VM back where it was; hosts on and remounted; VMs reloaded and powered as they started. Deleted and revoked keys stay so.',
    group: 'story',
    fault: { type: 'restore-all' },
  },

  {
    id: 'kms-node-up',
    label: 'Start the KMS node',
    story: 'A stopped node listens again.',
    group: 'kms',
    fault: { type: 'kms-node-down', down: false },
    choose: ['node'],
  },
  {
    id: 'kms-node-black-hole',
    label: 'Black-hole the KMS node',
    story: 'The node accepts connections and never answers: clients hang until their timeout instead of failing fast.',
    group: 'kms',
    fault: { type: 'kms-node-black-hole', on: true },
    choose: ['node'],
  },
  {
    id: 'kms-node-slow',
    label: 'Slow the KMS node to 5 s',
    story: 'Every KMIP answer of the node comes 5 seconds late: latency alerts, and boots that take longer.',
    group: 'kms',
    fault: { type: 'kms-node-slow', ms: 5000 },
    choose: ['node'],
  },
  {
    id: 'kms-node-expired-certificate',
    label: 'Expire the KMS node certificate',
    story: 'The node presents an expired server certificate: TLS clients refuse it, as vCenter would.',
    group: 'kms',
    fault: { type: 'kms-node-expired-certificate', on: true },
    choose: ['node'],
  },
  {
    id: 'kms-node-certificate-expiring',
    label: 'Make the KMS node certificate expire in 5 days',
    story: 'Everything still works, but in 5 days vCenter and the hosts will refuse the node: Keywatch should warn now (KMS_CERT_EXPIRING), not then.',
    group: 'kms',
    fault: { type: 'kms-node-certificate-expiring', days: 5 },
    choose: ['node'],
  },
  {
    id: 'kms-replication-lag',
    label: 'Delay KMS replication by 10 minutes',
    story: 'New keys (a rekey, a newly encrypted VM) reach the other nodes only 10 minutes later: meanwhile a host that asks those nodes gets "not found".',
    group: 'kms',
    fault: { type: 'kms-replication-lag', ms: 600_000 },
  },
  {
    id: 'kms-self-hosted',
    label: "Move KMS node 1's VM onto the datastore it protects",
    story: 'The key locked inside the room it opens: after a cluster-wide power cut that KMS cannot boot, because its own disks need its keys.',
    group: 'kms',
    fault: { type: 'kms-self-hosted', on: true },
  },
  {
    id: 'kms-revoke-key',
    label: "Revoke a VM's key",
    story: 'KMIP Revoke on every node: hosts can still unwrap with the key, but it is no longer Active.',
    group: 'kms',
    fault: { type: 'kms-revoke-key' },
    choose: ['vmKey'],
  },

  {
    id: 'host-power-off',
    label: 'Power off the host',
    story: 'The host goes dark and its running VMs crash; its keys are gone until it boots again.',
    group: 'host',
    fault: { type: 'host-power-off' },
    choose: ['host'],
    confirm: true,
  },
  {
    id: 'host-power-on',
    label: 'Power on the host',
    story: 'The host boots and fetches its keys from the KMS.',
    group: 'host',
    fault: { type: 'host-power-on' },
    choose: ['host'],
  },
  {
    id: 'host-kms-isolation',
    label: 'Cut the host off from the KMS',
    story: 'Only this host cannot reach the key provider: fine while it runs, fatal at its next reboot.',
    group: 'host',
    fault: { type: 'host-kms-isolation', on: true },
    choose: ['host'],
  },
  {
    id: 'host-disconnect',
    label: 'Disconnect the host from vCenter',
    story: 'vCenter loses the host while it keeps running: its state becomes unknown to Keywatch.',
    group: 'host',
    fault: { type: 'host-disconnect', on: true },
    choose: ['host'],
  },

  {
    id: 'vm-reload',
    label: 'Reload the VM',
    story: 'Re-read the VM configuration (vim-cmd vmsvc/reload): a locked VM unlocks if its host has the keys.',
    group: 'vm',
    fault: { type: 'vm-reload' },
    choose: ['vm'],
  },
  {
    id: 'vm-power-off',
    label: 'Power off the VM',
    story: 'A KMS appliance VM takes its KMS node down with it.',
    group: 'vm',
    fault: { type: 'vm-power', on: false },
    choose: ['vm'],
  },
  {
    id: 'vm-power-on',
    label: 'Power on the VM',
    story: 'An encrypted VM starts only if its host holds the key.',
    group: 'vm',
    fault: { type: 'vm-power', on: true },
    choose: ['vm'],
  },
  {
    id: 'vm-ha-monitoring',
    label: 'Turn on HA VM monitoring',
    story: 'With HA watching its heartbeat, a shallow rekey of a running VM can reset it half-way.',
    group: 'vm',
    fault: { type: 'vm-ha-monitoring', enabled: true },
    choose: ['vm'],
  },
  {
    id: 'rekey-ha-reset',
    label: 'Make rekeys of HA-monitored VMs fail',
    story: 'Shallow rekeys of powered-on, HA-monitored VMs reset them half-way and leave them locked until a reload.',
    group: 'vm',
    fault: { type: 'rekey-failure', mode: 'ha-reset' },
  },

  {
    id: 'vcenter-latency',
    label: 'Slow vCenter to 3 s',
    story: 'Every vCenter answer comes 3 seconds late: polls take longer, freshness drops.',
    group: 'vcenter',
    fault: { type: 'vcenter-latency', ms: 3000 },
  },
  {
    id: 'vcenter-unavailable',
    label: 'Make vCenter answer 503',
    story: 'vCenter is unavailable: Keywatch must say its data is stale, not that all is well.',
    group: 'vcenter',
    fault: { type: 'vcenter-unavailable', on: true },
  },
  {
    id: 'provider-details-error',
    label: 'Make key provider status reads fail',
    story: "vCenter answers 500 when asked for a key provider's details, its KMS servers' status or its keys' status: Keywatch must say its reading is partial, not that all is well.",
    group: 'vcenter',
    fault: { type: 'provider-details-error', on: true },
  },
  {
    id: 'nkp-unavailable',
    label: 'Make the Native Key Provider unavailable',
    story: "vCenter's built-in key provider cannot hand out its keys: hosts of the NKP cluster report it in ERROR, and one that reboots now comes back without its disk groups.",
    group: 'vcenter',
    fault: { type: 'nkp-unavailable', on: true },
  },
  {
    id: 'expire-sessions',
    label: 'Expire every vCenter session',
    story: 'Every client must log in again; Keywatch should do so without a gap.',
    group: 'vcenter',
    fault: { type: 'expire-sessions' },
  },
  {
    id: 'clear',
    label: 'Clear vCenter faults',
    story: 'Latency, 503, provider status errors, rekey failures and host isolation off; KMS and NKP faults stay as they are.',
    group: 'vcenter',
    fault: { type: 'clear' },
  },
];

/** The field of the fault each choice fills. */
export const CHOICE_FIELD: Record<LabFaultChoice, 'node' | 'host' | 'vm' | 'keyId'> = { node: 'node', host: 'host', vm: 'vm', vmKey: 'keyId' };
