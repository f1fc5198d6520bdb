import type { HostFacts, KmsNodeFacts, ReadinessInput, VmFacts } from '../input';
import type { PlanInput } from '../rolling-plan';
import { evaluateReadiness } from '../verdict';

/**
 * A healthy three-host encrypted vSAN cluster on provider `kms` (three KMS nodes), host-1 carrying
 * two encrypted VMs (one with two disks) and one plain VM, KMS appliance VMs on another cluster.
 * Tests break one thing at a time.
 */
export const KEK = 'kek-cluster';
export const HOST_KEY = 'hostkey-cluster';
export const VM_KEY = 'kek-vm-a';
export const VM_B_KEY = 'kek-vm-b';
export const DISK_KEY = 'kek-vm-a-disk2';

export function hostFacts(id: string, name: string): HostFacts {
  return {
    id,
    name,
    clusterId: 'domain-c1',
    connectionState: 'connected',
    inMaintenanceMode: false,
    cryptoState: 'safe',
    hostKey: { keyId: HOST_KEY, providerId: 'kms' },
    providers: [{ providerId: 'kms', health: 'OK', details: [] }],
    diskGroups: [{ uuid: `dg-${id}`, mounted: true, encrypted: true, keysLoaded: true }],
    readErrors: [],
  };
}

function node(n: number, keys: string[]): KmsNodeFacts {
  return {
    providerId: 'kms',
    name: `kms-${n}`,
    host: `127.0.0.1${n}`,
    port: 5696,
    reachable: true,
    error: null,
    keys: keys.map((id) => ({ id, status: 'active', state: 'Active' })),
    serverCertificateDaysLeft: 300,
    clientCertificateDaysLeft: 200,
  };
}

export function healthyInput(overrides: Partial<ReadinessInput> = {}): ReadinessInput {
  const keys = [KEK, HOST_KEY, VM_KEY, VM_B_KEY, DISK_KEY];
  const vms: VmFacts[] = [
    {
      id: 'vm-a',
      name: 'app-a',
      hostId: 'host-1',
      powerState: 'poweredOn',
      cryptoState: 'unlocked',
      keyId: { keyId: VM_KEY, providerId: 'kms' },
      disks: [
        { key: 2000, label: 'Hard disk 1', keyId: { keyId: VM_KEY, providerId: 'kms' } },
        { key: 2001, label: 'Hard disk 2', keyId: { keyId: DISK_KEY, providerId: 'kms' } },
      ],
      datastoreIds: ['ds-vsan'],
      ipAddress: '10.0.0.5',
      annotation: null,
    },
    {
      id: 'vm-b',
      name: 'app-b',
      hostId: 'host-1',
      powerState: 'poweredOff',
      cryptoState: 'unlocked',
      keyId: { keyId: VM_B_KEY, providerId: 'kms' },
      disks: [],
      datastoreIds: ['ds-vsan'],
      ipAddress: null,
      annotation: null,
    },
    { id: 'vm-plain', name: 'plain', hostId: 'host-1', powerState: 'poweredOn', cryptoState: null, keyId: null, disks: [], datastoreIds: ['ds-vsan'], ipAddress: null, annotation: null },
  ];
  const appliances: VmFacts[] = [1, 2, 3].map((n) => ({
    id: `vm-kms-${n}`,
    name: `kms-appliance-${n}`,
    hostId: 'host-mgmt',
    powerState: 'poweredOn',
    cryptoState: null,
    keyId: null,
    disks: [],
    datastoreIds: ['ds-mgmt'],
    ipAddress: `127.0.0.1${n}`,
    annotation: `KMS node kms-${n}`,
  }));
  return {
    action: 'reboot',
    now: new Date('2026-11-30T12:00:00Z'),
    freshnessLimitMs: 120_000,
    vcenter: { reachable: true, error: null, source: 'live', readAt: new Date('2026-11-30T11:59:58Z') },
    host: hostFacts('host-1', 'esx-01'),
    cluster: { id: 'domain-c1', name: 'vsan-a', vsanEncryption: { enabled: true, providerId: 'kms', kekId: KEK, hostKeyId: HOST_KEY } },
    peers: [hostFacts('host-2', 'esx-02'), hostFacts('host-3', 'esx-03')],
    vms,
    datastores: [{ id: 'ds-vsan', name: 'vsanDatastore', type: 'vsan' }],
    candidateApplianceVms: appliances,
    providers: [{ id: 'kms', kind: 'standard', vcenterHealth: 'OK', monitored: true, nodes: [node(1, keys), node(2, keys), node(3, keys)] }],
    providerErrors: [],
    ...overrides,
  };
}

export interface ClusterHostSpec {
  name: string;
  encryptedVms?: number;
  /** Changes this host's facts as every host of the cluster sees them (maintenance, connection…). */
  facts?: (h: HostFacts) => void;
  /** Changes only this host's own check (its keys, its KMS view…). */
  input?: (i: ReadinessInput) => void;
}

/**
 * The reboot reports of every host of one cluster, built from one shared set of host facts, so
 * that what a host is (in maintenance, disconnected) is what its peers' CLUSTER_REDUNDANCY sees.
 */
export function clusterReports(specs: ClusterHostSpec[]): PlanInput['hosts'] {
  const facts = specs.map((spec) => {
    const f = hostFacts(spec.name, spec.name);
    spec.facts?.(f);
    return f;
  });
  return specs.map((spec, i) => {
    const input = healthyInput({ host: structuredClone(facts[i]!), peers: facts.filter((_, j) => j !== i) });
    for (const vm of input.vms) vm.hostId = spec.name;
    spec.input?.(input);
    return { report: evaluateReadiness(input), hostId: `vc-1:${spec.name}`, hostName: spec.name, encryptedVms: spec.encryptedVms ?? 0 };
  });
}
