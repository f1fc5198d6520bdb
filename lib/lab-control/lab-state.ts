/**
 * The lab vCenter's GET /lab/state, read with zod, and the smaller view the Lab page shows.
 * Read leniently: only the fields the page uses are required, unknown ones are dropped, so the
 * lab can grow its ground truth without breaking Keywatch.
 */
import { z } from 'zod';

const keyRef = z.object({ keyId: z.string(), providerId: z.string().nullable().optional() });

export const labStateAnswerSchema = z.object({
  vcenter: z
    .object({
      faults: z
        .object({
          latencyMs: z.number().optional(),
          unavailable: z.boolean().optional(),
          providerDetailsError: z.boolean().optional(),
          rekeyFailure: z.string().optional(),
        })
        .optional(),
    })
    .nullable()
    .optional(),
  providers: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      /** Native Key Provider only: false under the nkp-unavailable fault. */
      available: z.boolean().optional(),
      nodes: z.array(
        z.object({
          id: z.string(),
          host: z.string(),
          port: z.number().int(),
          registeredPort: z.number().int().optional(),
          reachable: z.boolean().optional(),
          detail: z.string().nullable().optional(),
        }),
      ),
    }),
  ),
  kms: z
    .object({
      replicationLagMs: z.number().optional(),
      nodes: z.array(
        z.object({
          id: z.string(),
          host: z.string(),
          port: z.number().int(),
          status: z.string(),
          faults: z
            .object({
              down: z.boolean(),
              blackHole: z.boolean(),
              slowMs: z.number(),
              expiredCertificate: z.boolean(),
              certificateExpiresInDays: z.number().nullable(),
            })
            .partial()
            .optional(),
          keys: z.array(z.object({ id: z.string(), state: z.string() })),
        }),
      ),
    })
    .nullable()
    .optional(),
  /** The first KMS appliance VM on a datastore its own provider encrypts, now and as the lab started. */
  kmsSelfHosted: z.object({ now: z.boolean(), atStart: z.boolean() }).optional(),
  keys: z.array(z.object({ keyId: z.string(), providerId: z.string(), purpose: z.string(), name: z.string() })),
  clusters: z.array(z.object({ id: z.string(), name: z.string(), encryption: z.string() })),
  hosts: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      clusterId: z.string().nullable(),
      phase: z.string(),
      connectionState: z.string(),
      powerState: z.string(),
      cryptoState: z.string().nullable(),
      diskGroupsMounted: z.boolean(),
      kmsIsolated: z.boolean().optional(),
      lastKeyError: z.string().nullable().optional(),
      bootCount: z.number().int().optional(),
    }),
  ),
  vms: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        hostId: z.string().nullable(),
        powerState: z.string(),
        cryptoState: z.string().nullable(),
        lockReason: z.string().nullable().optional(),
        configKey: keyRef.nullable().optional(),
        diskKeys: z.array(keyRef.nullable()).optional(),
        kmsNodeId: z.string().nullable().optional(),
        haVmMonitoring: z.boolean().optional(),
        /** As the lab started: what restore-all puts back. */
        atStart: z.object({ powerState: z.string(), haVmMonitoring: z.boolean() }).optional(),
      }),
    )
    .nullable()
    .optional(),
});
export type LabStateAnswer = z.output<typeof labStateAnswerSchema>;

export interface LabKmsNodeView {
  id: string;
  host: string;
  /** Where the node listens now. */
  port: number;
  /** Where vCenter and the hosts dial it; differs from `port` after a port move. */
  registeredPort: number | null;
  status: string;
  /** As vCenter measures it, at the registered address. */
  reachable: boolean | null;
  detail: string | null;
  faults: string[];
  keyCount: number;
}

export interface LabHostView {
  id: string;
  name: string;
  cluster: string | null;
  phase: string;
  connectionState: string;
  powerState: string;
  cryptoState: string | null;
  diskGroupsMounted: boolean;
  kmsIsolated: boolean;
  lastKeyError: string | null;
  /** Boots since the lab started: a reboot shows as one more. */
  bootCount: number | null;
}

export interface LabVmView {
  id: string;
  name: string;
  hostId: string | null;
  powerState: string;
  cryptoState: string | null;
  lockReason: string | null;
  /** The VM's key on the lab KMS (standard provider), if any. */
  kmsKeyId: string | null;
  /** Set for a KMS appliance VM: the node it runs. */
  kmsNodeId: string | null;
}

/** What the Lab page shows and picks from: GET /api/v1/lab/state. */
export interface LabStateView {
  kmsNodes: LabKmsNodeView[];
  hosts: LabHostView[];
  vms: LabVmView[];
  /** Every VM when the lab has more than the page lists. */
  vmCount: number;
  /** Faults of the lab as a whole (vCenter, key providers, replication, KMS VM placement), in words. */
  labFaults: string[];
}

/** The page lists this many VMs at most: locked ones, appliances and KMS-encrypted ones first. */
export const MAX_VMS_SHOWN = 300;

type NodeFaults = NonNullable<NonNullable<NonNullable<LabStateAnswer['kms']>['nodes'][number]['faults']>>;

function nodeFaults(faults: NodeFaults | undefined): string[] {
  if (!faults) return [];
  const expiresIn = faults.certificateExpiresInDays;
  return [
    ...(faults.down ? ['down'] : []),
    ...(faults.blackHole ? ['black hole'] : []),
    ...(faults.slowMs ? [`slow ${faults.slowMs} ms`] : []),
    ...(faults.expiredCertificate ? ['expired certificate'] : []),
    ...(expiresIn !== null && expiresIn !== undefined ? [`certificate expires in ${expiresIn} day${expiresIn === 1 ? '' : 's'}`] : []),
  ];
}

function vmRank(vm: LabVmView): number {
  if (vm.cryptoState === 'locked') return 0;
  if (vm.kmsNodeId) return 1;
  if (vm.kmsKeyId) return 2;
  return 3;
}

export function labStateView(state: LabStateAnswer): LabStateView {
  const standard = state.providers.find((p) => p.type === 'standard' && p.nodes.length > 0);
  const standardKeys = new Set(state.keys.filter((k) => k.providerId === standard?.id).map((k) => k.keyId));
  const live = new Map((state.kms?.nodes ?? []).map((n) => [n.id, n]));
  const registered = standard?.nodes ?? [];
  const nodeIds = [...new Set([...registered.map((n) => n.id), ...live.keys()])];
  const kmsNodes = nodeIds.map((id): LabKmsNodeView => {
    const reg = registered.find((n) => n.id === id);
    const node = live.get(id);
    return {
      id,
      host: node?.host ?? reg!.host,
      port: node?.port ?? reg!.port,
      registeredPort: reg?.registeredPort ?? reg?.port ?? null,
      status: node?.status ?? 'unknown',
      reachable: reg?.reachable ?? null,
      detail: reg?.detail ?? null,
      faults: nodeFaults(node?.faults),
      keyCount: node?.keys.length ?? 0,
    };
  });
  const clusterName = new Map(state.clusters.map((c) => [c.id, c.name]));
  const hosts = state.hosts.map(
    (h): LabHostView => ({
      id: h.id,
      name: h.name,
      cluster: h.clusterId ? (clusterName.get(h.clusterId) ?? h.clusterId) : null,
      phase: h.phase,
      connectionState: h.connectionState,
      powerState: h.powerState,
      cryptoState: h.cryptoState,
      diskGroupsMounted: h.diskGroupsMounted,
      kmsIsolated: h.kmsIsolated ?? false,
      lastKeyError: h.lastKeyError ?? null,
      bootCount: h.bootCount ?? null,
    }),
  );
  const allVms = (state.vms ?? []).map((v): LabVmView => {
    const keys = [v.configKey, ...(v.diskKeys ?? [])].filter((k): k is NonNullable<typeof k> => Boolean(k));
    return {
      id: v.id,
      name: v.name,
      hostId: v.hostId,
      powerState: v.powerState,
      cryptoState: v.cryptoState,
      lockReason: v.lockReason ?? null,
      kmsKeyId: keys.find((k) => standardKeys.has(k.keyId))?.keyId ?? null,
      kmsNodeId: v.kmsNodeId ?? null,
    };
  });
  const vms = allVms
    .map((vm, index) => ({ vm, index }))
    .sort((a, b) => vmRank(a.vm) - vmRank(b.vm) || a.index - b.index)
    .slice(0, MAX_VMS_SHOWN)
    .map(({ vm }) => vm);
  const vc = state.vcenter?.faults;
  const lagMs = state.kms?.replicationLagMs ?? 0;
  const labFaults = [
    ...(vc?.latencyMs ? [`latency ${vc.latencyMs} ms`] : []),
    ...(vc?.unavailable ? ['answers 503'] : []),
    ...(vc?.providerDetailsError ? ['key provider status reads fail'] : []),
    ...(vc?.rekeyFailure && vc.rekeyFailure !== 'none' ? [`rekeys fail (${vc.rekeyFailure})`] : []),
    ...state.providers.filter((p) => p.available === false).map((p) => `native key provider ${p.id} unavailable`),
    ...(lagMs > 0 ? [`KMS replication lags ${lagMs >= 60_000 ? `${Math.round(lagMs / 60_000)} min` : `${lagMs} ms`}`] : []),
    ...(state.kmsSelfHosted?.now && !state.kmsSelfHosted.atStart ? ['KMS node 1 VM on the datastore it protects'] : []),
  ];
  return { kmsNodes, hosts, vms, vmCount: allVms.length, labFaults };
}
