/**
 * What a readiness check looks at. Narrow, plain shapes so that a live read (lib/vsphere + lib/kmip)
 * and the stored observations (the fallback when vCenter cannot be read) fill the same input.
 * Everything a source could not tell is `null` — and the rules treat `null` as "unknown", which
 * blocks (fail closed).
 */
import { PROVIDER_HEALTH, type ProviderHealth } from '../vsphere/schemas';

export const HOST_ACTIONS = ['enter-maintenance', 'exit-maintenance', 'reboot'] as const;
export type HostAction = (typeof HOST_ACTIONS)[number];

export type ProviderHealthLevel = ProviderHealth;
const HEALTH_LEVELS = new Set<string>(PROVIDER_HEALTH);
/** A stored provider health string as a level; anything else (null, a value this code does not know) is null. */
export const providerHealthLevel = (value: string | null | undefined): ProviderHealthLevel | null => (value && HEALTH_LEVELS.has(value) ? (value as ProviderHealthLevel) : null);

export interface KeyRef {
  keyId: string;
  providerId: string | null;
}

export interface HostFacts {
  id: string;
  name: string;
  clusterId: string | null;
  connectionState: 'connected' | 'disconnected' | 'notResponding' | string;
  inMaintenanceMode: boolean;
  cryptoState: string | null;
  hostKey: KeyRef | null;
  /** The host's view of each key provider; null when vCenter could not tell. */
  providers: { providerId: string; health: ProviderHealthLevel; details: string[] }[] | null;
  /** null when not read; [] for a host without vSAN disk groups. */
  diskGroups: { uuid: string; mounted: boolean; encrypted: boolean; keysLoaded: boolean | null }[] | null;
  readErrors: string[];
}

export interface ClusterFacts {
  id: string;
  name: string;
  vsanEncryption: { enabled: boolean; providerId: string | null; kekId: string | null; hostKeyId: string | null } | null;
}

export interface VmFacts {
  id: string;
  name: string;
  hostId: string | null;
  powerState: string | null;
  /** null when the VM is not encrypted. */
  cryptoState: string | null;
  keyId: KeyRef | null;
  disks: { key: number; label: string | null; keyId: KeyRef | null }[];
  datastoreIds: string[];
  ipAddress: string | null;
  annotation: string | null;
}

export interface DatastoreFacts {
  id: string;
  name: string;
  type: string | null;
}

export interface KeyOnNode {
  id: string;
  status: 'active' | 'not-active' | 'not-found' | 'error';
  state?: string;
}

export interface KmsNodeFacts {
  providerId: string;
  name: string;
  host: string;
  port: number;
  /** KMIP answered from Keywatch now. */
  reachable: boolean;
  error: string | null;
  /** Keys asked for in this probe; empty when unreachable. */
  keys: KeyOnNode[];
  serverCertificateDaysLeft: number | null;
  clientCertificateDaysLeft: number | null;
}

export interface ProviderFacts {
  id: string;
  kind: 'standard' | 'native' | 'trustAuthority' | 'unknown';
  /** vCenter's own view of the provider (used for evacuation, NKP keys). */
  vcenterHealth: ProviderHealthLevel | null;
  /** Whether Keywatch has KMIP credentials for this provider's nodes. */
  monitored: boolean;
  nodes: KmsNodeFacts[];
}

export interface ReadinessInput {
  action: HostAction;
  now: Date;
  /** Oldest input allowed before DATA_FRESH fails. */
  freshnessLimitMs: number;
  vcenter: { reachable: boolean; error: string | null; source: 'live' | 'stored'; readAt: Date | null };
  host: HostFacts | null;
  cluster: ClusterFacts | null;
  /** The other hosts of the host's cluster. */
  peers: HostFacts[];
  /** VMs registered on the host, powered off ones included. */
  vms: VmFacts[];
  /** Datastores the host mounts. */
  datastores: DatastoreFacts[];
  /** Every VM that could be a KMS appliance (the estate's VMs, or at least the ones matched to nodes). */
  candidateApplianceVms: VmFacts[];
  providers: ProviderFacts[];
  /** Why a provider the host needs is not in `providers` (not known to vCenter, no credentials…). */
  providerErrors: { providerId: string; message: string }[];
}
