/**
 * Deterministic generator of a lab vSphere inventory: datacenter, vSAN clusters, hosts with
 * disk groups, datastores, VMs (some encrypted, some multi-disk, some under HA VM monitoring),
 * the key providers (a standard KMIP provider backed by the lab KMS nodes and a Native Key
 * Provider) and the KMS appliance VMs themselves.
 *
 * The estate is static inventory; everything that changes at run time (power, connection,
 * key caches, mounts, VM keys after a rekey) lives in the host model. Entities refer to keys
 * by index into `estate.keys` so that the server can bind those slots to real KMS key IDs
 * after creating them over KMIP.
 */
import { z } from 'zod';

export const clusterEncryptionSchema = z.enum(['standard', 'native', 'none']);
export type ClusterEncryption = z.infer<typeof clusterEncryptionSchema>;

export const estateOptionsSchema = z.object({
  seed: z.number().int().default(1),
  clusters: z.number().int().min(1).max(1000).default(2),
  hostsPerCluster: z.number().int().min(1).max(64).default(4),
  vmsPerHost: z.number().int().min(0).max(200).default(4),
  /** Encryption of each cluster's vSAN datastore, cycled over the clusters. */
  clusterEncryption: z.array(clusterEncryptionSchema).min(1).default(['standard', 'none', 'native']),
  encryptedVmRatio: z.number().min(0).max(1).default(0.35),
  multiDiskVmRatio: z.number().min(0).max(1).default(0.3),
  haMonitoredVmRatio: z.number().min(0).max(1).default(0.25),
  poweredOffVmRatio: z.number().min(0).max(1).default(0.1),
  diskGroupsPerHost: z.number().int().min(1).max(5).default(2),
  capacityDisksPerGroup: z.number().int().min(1).max(7).default(2),
  /** Number of KMS nodes of the standard provider (one appliance VM each). */
  kmsNodeCount: z.number().int().min(1).max(16).default(3),
  /** Place the first KMS appliance VM on the encrypted vSAN datastore its provider protects. */
  kmsSelfHosted: z.boolean().default(false),
  /** Distinct KEKs handed out to encrypted VMs, per provider (vCenter normally makes one per VM; a pool keeps large estates cheap to key). */
  vmKeyPoolSize: z.number().int().min(1).max(100_000).default(24),
  standardProviderId: z.string().min(1).default('lab-kms'),
  nativeProviderId: z.string().min(1).default('lab-nkp'),
});
export type EstateOptions = z.input<typeof estateOptionsSchema>;
export type ResolvedEstateOptions = z.output<typeof estateOptionsSchema>;

export type ProviderType = 'standard' | 'native';
export type KeyPurpose = 'vsan-kek' | 'host-key' | 'vm-kek';

export interface EstateProvider {
  id: string;
  type: ProviderType;
}

export interface EstateKey {
  index: number;
  providerId: string;
  purpose: KeyPurpose;
  /** Name given to the key when it is created on the KMS. */
  name: string;
  /** Placeholder until bound to a real KMS key ID (standard provider) or the NKP-generated ID. */
  keyId: string;
}

export interface EstateCluster {
  id: string;
  name: string;
  encryption: ClusterEncryption;
  /** Provider of the vSAN KEK (and of the hosts' key); null when the vSAN datastore is not encrypted. */
  providerId: string | null;
  vsanKekIndex: number | null;
  /** Host key of the cluster's hosts: from the vSAN provider, else the standard one when the hosts run encrypted VMs. */
  hostKeyIndex: number | null;
  haEnabled: boolean;
  drsEnabled: boolean;
  vmMonitoring: 'vmMonitoringDisabled' | 'vmMonitoringOnly' | 'vmAndAppMonitoring';
  hostIds: string[];
  datastoreId: string;
}

export interface EstateDisk {
  /** vSAN disk UUID / canonical name. */
  uuid: string;
  canonicalName: string;
  capacityBytes: number;
  ssd: boolean;
}

export interface EstateDiskGroup {
  uuid: string;
  cache: EstateDisk;
  capacity: EstateDisk[];
}

export interface EstateHost {
  id: string;
  name: string;
  clusterId: string;
  vsanSystemId: string;
  uuid: string;
  diskGroups: EstateDiskGroup[];
}

export interface EstateDatastore {
  id: string;
  name: string;
  type: 'vsan' | 'NFS';
  clusterId: string | null;
  /** vSAN datastore encrypted with this provider (data at rest), else null. */
  encryptedByProviderId: string | null;
  url: string;
}

export interface EstateVmDisk {
  key: number;
  label: string;
  capacityInKB: number;
  fileName: string;
}

export interface EstateVm {
  id: string;
  name: string;
  uuid: string;
  instanceUuid: string;
  hostId: string;
  datastoreId: string;
  poweredOn: boolean;
  /** Index into estate.keys of the VM's KEK; null when the VM is not encrypted. */
  keyIndex: number | null;
  disks: EstateVmDisk[];
  haVmMonitoring: boolean;
  /** Set on KMS appliance VMs: the lab KMS node this VM "is". */
  kmsNodeIndex: number | null;
  /** A virtual TPM 2.0 device (it needs the VM home encrypted, so only encrypted VMs have one). */
  vtpm: boolean;
  cpuCount: number;
  memoryMiB: number;
}

export interface Estate {
  options: ResolvedEstateOptions;
  datacenter: { id: string; name: string; hostFolderId: string; vmFolderId: string; datastoreFolderId: string };
  providers: EstateProvider[];
  keys: EstateKey[];
  clusters: EstateCluster[];
  hosts: EstateHost[];
  datastores: EstateDatastore[];
  vms: EstateVm[];
}

/** Small fast deterministic PRNG (mulberry32): same seed, same estate. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(random: () => number): string {
  const hex: string[] = [];
  for (let i = 0; i < 16; i += 1) hex.push(Math.floor(random() * 256).toString(16).padStart(2, '0'));
  hex[6] = `4${hex[6]!.slice(1)}`;
  hex[8] = ((parseInt(hex[8]!, 16) & 0x3f) | 0x80).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const GiB = 1024 ** 3;

export function generateEstate(input: EstateOptions = {}): Estate {
  const options = estateOptionsSchema.parse(input);
  const random = createRandom(options.seed);
  const providers: EstateProvider[] = [
    { id: options.standardProviderId, type: 'standard' },
    { id: options.nativeProviderId, type: 'native' },
  ];
  const keys: EstateKey[] = [];
  const addKey = (providerId: string, purpose: KeyPurpose, name: string): number => {
    const index = keys.length;
    keys.push({ index, providerId, purpose, name, keyId: uuidFrom(random) });
    return index;
  };
  const vmKeyPools = new Map<string, number[]>();
  const pickVmKey = (providerId: string, vmName: string): number => {
    let pool = vmKeyPools.get(providerId);
    if (!pool) {
      pool = [];
      vmKeyPools.set(providerId, pool);
    }
    if (pool.length < options.vmKeyPoolSize) {
      const index = addKey(providerId, 'vm-kek', `vm-kek-${vmName}`);
      pool.push(index);
      return index;
    }
    return pool[Math.floor(random() * pool.length)]!;
  };

  const datacenter = {
    id: 'datacenter-1',
    name: 'lab-dc',
    hostFolderId: 'group-h2',
    vmFolderId: 'group-v3',
    datastoreFolderId: 'group-s4',
  };
  const clusters: EstateCluster[] = [];
  const hosts: EstateHost[] = [];
  const datastores: EstateDatastore[] = [];
  const vms: EstateVm[] = [];
  const sharedDatastore: EstateDatastore = {
    id: 'datastore-1',
    name: 'mgmt-nfs',
    type: 'NFS',
    clusterId: null,
    encryptedByProviderId: null,
    url: 'ds:///vmfs/volumes/mgmt-nfs/',
  };
  datastores.push(sharedDatastore);

  let hostNumber = 0;
  let vmNumber = 0;
  let diskNumber = 0;
  for (let c = 0; c < options.clusters; c += 1) {
    const encryption = options.clusterEncryption[c % options.clusterEncryption.length]!;
    const clusterName = `cluster-${String(c + 1).padStart(2, '0')}`;
    const providerId =
      encryption === 'standard' ? options.standardProviderId : encryption === 'native' ? options.nativeProviderId : null;
    const vsanKekIndex = providerId ? addKey(providerId, 'vsan-kek', `vsan-kek-${clusterName}`) : null;
    const hostKeyIndex = providerId ? addKey(providerId, 'host-key', `host-key-${clusterName}`) : null;
    const datastore: EstateDatastore = {
      id: `datastore-${datastores.length + 1}`,
      name: `vsanDatastore-${clusterName}`,
      type: 'vsan',
      clusterId: `domain-c${c + 1}`,
      encryptedByProviderId: providerId,
      url: `ds:///vmfs/volumes/vsan:${uuidFrom(random).replace(/-/g, '')}/`,
    };
    datastores.push(datastore);
    const vmMonitoringRoll = random();
    const cluster: EstateCluster = {
      id: `domain-c${c + 1}`,
      name: clusterName,
      encryption,
      providerId,
      vsanKekIndex,
      hostKeyIndex,
      haEnabled: true,
      drsEnabled: true,
      vmMonitoring: vmMonitoringRoll < 0.5 ? 'vmMonitoringOnly' : 'vmMonitoringDisabled',
      hostIds: [],
      datastoreId: datastore.id,
    };
    clusters.push(cluster);

    for (let h = 0; h < options.hostsPerCluster; h += 1) {
      hostNumber += 1;
      const host: EstateHost = {
        id: `host-${hostNumber}`,
        name: `esx-${String(c + 1).padStart(2, '0')}-${String(h + 1).padStart(2, '0')}.lab.local`,
        clusterId: cluster.id,
        vsanSystemId: `vsanSystem-${hostNumber}`,
        uuid: uuidFrom(random),
        diskGroups: [],
      };
      for (let g = 0; g < options.diskGroupsPerHost; g += 1) {
        const disk = (ssd: boolean, capacityBytes: number): EstateDisk => {
          diskNumber += 1;
          const uuid = uuidFrom(random);
          return { uuid, canonicalName: `naa.5000c5${diskNumber.toString(16).padStart(10, '0')}`, capacityBytes, ssd };
        };
        const cache = disk(true, 400 * GiB);
        const capacity = Array.from({ length: options.capacityDisksPerGroup }, () => disk(true, 1920 * GiB));
        host.diskGroups.push({ uuid: cache.uuid, cache, capacity });
      }
      cluster.hostIds.push(host.id);
      hosts.push(host);

      for (let v = 0; v < options.vmsPerHost; v += 1) {
        vmNumber += 1;
        const name = `vm-${String(vmNumber).padStart(5, '0')}`;
        const encrypted = random() < options.encryptedVmRatio;
        // Encrypted VMs mostly use the NKP (migration source) and partly the standard KMS.
        const vmProvider = random() < 0.6 ? options.nativeProviderId : options.standardProviderId;
        const diskCount = random() < options.multiDiskVmRatio ? 2 + Math.floor(random() * 2) : 1;
        const disks: EstateVmDisk[] = Array.from({ length: diskCount }, (_, d) => ({
          key: 2000 + d,
          label: `Hard disk ${d + 1}`,
          capacityInKB: (40 + d * 60) * 1024 * 1024,
          fileName: `[${datastore.name}] ${name}/${name}${d === 0 ? '' : `_${d}`}.vmdk`,
        }));
        vms.push({
          id: `vm-${vmNumber}`,
          name,
          uuid: uuidFrom(random),
          instanceUuid: uuidFrom(random),
          hostId: host.id,
          datastoreId: datastore.id,
          poweredOn: random() >= options.poweredOffVmRatio,
          keyIndex: encrypted ? pickVmKey(vmProvider, name) : null,
          disks,
          haVmMonitoring: cluster.vmMonitoring !== 'vmMonitoringDisabled' && random() < options.haMonitoredVmRatio * 2,
          kmsNodeIndex: null,
          // Derived, not drawn: an extra random draw would change every later VM of a seed.
          vtpm: encrypted && vmNumber % 3 === 0,
          cpuCount: 2 + 2 * Math.floor(random() * 3),
          memoryMiB: 4096 * (1 + Math.floor(random() * 4)),
        });
      }
    }
  }

  // KMS appliance VMs: on the shared (unencrypted) datastore, spread over the last cluster's
  // hosts, unless self-hosting is asked for: then node 1 sits on the encrypted vSAN datastore
  // of a cluster protected by the very provider it serves.
  const selfHostCluster = clusters.find((c) => c.providerId === options.standardProviderId);
  const lastCluster = clusters[clusters.length - 1]!;
  for (let n = 0; n < options.kmsNodeCount; n += 1) {
    vmNumber += 1;
    const selfHosted = options.kmsSelfHosted && n === 0 && selfHostCluster !== undefined;
    const homeCluster = selfHosted ? selfHostCluster : lastCluster;
    const hostId = homeCluster.hostIds[n % homeCluster.hostIds.length]!;
    const datastoreId = selfHosted ? homeCluster.datastoreId : sharedDatastore.id;
    const datastoreName = selfHosted ? `vsanDatastore-${homeCluster.name}` : sharedDatastore.name;
    const name = `kms-${n + 1}`;
    vms.push({
      id: `vm-${vmNumber}`,
      name,
      uuid: uuidFrom(random),
      instanceUuid: uuidFrom(random),
      hostId,
      datastoreId,
      poweredOn: true,
      keyIndex: null,
      disks: [{ key: 2000, label: 'Hard disk 1', capacityInKB: 100 * 1024 * 1024, fileName: `[${datastoreName}] ${name}/${name}.vmdk` }],
      haVmMonitoring: false,
      kmsNodeIndex: n,
      vtpm: false,
      cpuCount: 4,
      memoryMiB: 16384,
    });
  }

  // A host that runs encrypted VMs has a host key even when its vSAN datastore is not encrypted
  // (vCenter makes one from the default provider when it prepares the host for crypto). Drawn
  // last, so the rest of a seed's estate stays what it was.
  for (const cluster of clusters) {
    if (cluster.hostKeyIndex !== null) continue;
    const members = new Set(cluster.hostIds);
    if (!vms.some((v) => v.keyIndex !== null && members.has(v.hostId))) continue;
    cluster.hostKeyIndex = addKey(options.standardProviderId, 'host-key', `host-key-${cluster.name}`);
  }

  return { options, datacenter, providers, keys, clusters, hosts, datastores, vms };
}

/** Lookup tables built once; the estate itself stays plain data. */
export interface EstateIndex {
  clusters: Map<string, EstateCluster>;
  hosts: Map<string, EstateHost>;
  datastores: Map<string, EstateDatastore>;
  vms: Map<string, EstateVm>;
  hostsByVsanSystem: Map<string, EstateHost>;
  providers: Map<string, EstateProvider>;
}

export function indexEstate(estate: Estate): EstateIndex {
  return {
    clusters: new Map(estate.clusters.map((c) => [c.id, c])),
    hosts: new Map(estate.hosts.map((h) => [h.id, h])),
    datastores: new Map(estate.datastores.map((d) => [d.id, d])),
    vms: new Map(estate.vms.map((v) => [v.id, v])),
    hostsByVsanSystem: new Map(estate.hosts.map((h) => [h.vsanSystemId, h])),
    providers: new Map(estate.providers.map((p) => [p.id, p])),
  };
}
