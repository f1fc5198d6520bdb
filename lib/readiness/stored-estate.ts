/**
 * The whole estate's readiness inputs from what the poller stored, for the overview's host grid and
 * the blast radius: one SQL statement for every host with its cluster, disk groups, view of each key
 * provider, vSAN datastores and encrypted VMs (JSON-aggregated per host), and a few small reads for
 * the KMS side (node states and key states per node, vCenter's view of each provider, poll state).
 * Nothing is asked of vCenter or a KMS: the verdicts say what the last polls say, and DATA_FRESH /
 * VC_REACHABLE say how old and how good that is.
 */
import { parseJsonList } from '../observations/json-columns';
import { moidOfRowId } from '../observations/vcenter-rows';
import type { PrismaClient } from '../db/client';
import { effectiveKeyProviderId } from '../targets/store';
import type { ClusterFacts, DatastoreFacts, HostFacts, KmsNodeFacts, ProviderFacts, ReadinessInput, VmFacts } from './input';
import { providerHealthLevel } from './input';

export interface StoredHost {
  /** VcHost row id ("<vcenterId>:<moid>"). */
  rowId: string;
  vcenterId: string;
  clusterRowId: string | null;
  facts: HostFacts;
  /** Encrypted vSAN datastores are what KMS_NOT_SELF_HOSTED looks for; only vSAN ones are loaded. */
  datastores: DatastoreFacts[];
  /** Encrypted VMs registered on the host, with their row ids. */
  vms: (VmFacts & { rowId: string })[];
  diskGroupCapacity: Map<string, number | null>;
}

export interface StoredCluster {
  rowId: string;
  vcenterId: string;
  facts: ClusterFacts;
  hostRowIds: string[];
}

export interface StoredVcenter {
  id: string;
  name: string;
  reachable: boolean;
  error: string | null;
  readAt: Date | null;
  /** vCenter's key providers with the KMS side joined in. */
  providers: ProviderFacts[];
  providerErrors: { providerId: string; message: string }[];
}

export interface StoredEstate {
  now: Date;
  freshnessLimitMs: number;
  vcenters: Map<string, StoredVcenter>;
  clusters: Map<string, StoredCluster>;
  hosts: StoredHost[];
  /** VMs that look like KMS appliances (by address, name or annotation of a node). */
  applianceVms: VmFacts[];
}

interface HostRow {
  id: string;
  vcenterId: string;
  moid: string;
  name: string;
  clusterId: string | null;
  connectionState: string;
  inMaintenanceMode: boolean;
  cryptoState: string | null;
  hostKeyId: string | null;
  hostKeyProviderId: string | null;
  readErrors: string | null;
  clusterMoid: string | null;
  clusterName: string | null;
  vsanEncryption: boolean | null;
  vsanProviderId: string | null;
  vsanKekId: string | null;
  clusterHostKeyId: string | null;
  diskGroups: { uuid: string; mounted: boolean; encrypted: boolean; keysLoaded: boolean | null; capacityBytes: number | null }[];
  providers: { providerId: string; health: string; details: string }[];
  datastores: { id: string; name: string; type: string | null }[];
  vms: {
    rowId: string;
    id: string;
    name: string;
    powerState: string | null;
    cryptoState: string | null;
    keyId: string | null;
    keyProviderId: string | null;
    ipAddress: string | null;
    annotation: string | null;
    datastoreIds: string;
    disks: { key: number; label: string | null; keyId: string | null; providerId: string | null }[] | null;
  }[];
}

// Set-based: each child table is aggregated once per host (hash joins), not once per host row in
// correlated subqueries — at 2,500 hosts / 40,000 VMs that is ~0.4 s instead of ~3 s, and the
// estate is re-read after every poll cycle. A host's vSAN datastores are those mounted on the host
// or on its cluster.
const HOSTS_SQL = `
WITH
  groups AS (SELECT g."hostId", json_agg(json_build_object('uuid', g."uuid", 'mounted', g."mounted", 'encrypted', g."encrypted", 'keysLoaded', g."keysLoaded", 'capacityBytes', g."capacityBytes") ORDER BY g."uuid") AS list
             FROM "VcDiskGroup" g GROUP BY g."hostId"),
  views AS (SELECT p."hostId", json_agg(json_build_object('providerId', p."providerId", 'health', p."health", 'details', p."details")) AS list
            FROM "VcHostProviderHealth" p GROUP BY p."hostId"),
  vsan AS (SELECT dm."entityId", jsonb_agg(DISTINCT jsonb_build_object('id', ds."moid", 'name', ds."name", 'type', ds."type")) AS list
           FROM "VcDatastoreMount" dm JOIN "VcDatastore" ds ON ds."id" = dm."datastoreId" WHERE lower(ds."type") = 'vsan' GROUP BY dm."entityId"),
  disks AS (SELECT d."vmId", json_agg(json_build_object('key', d."deviceKey", 'label', d."label", 'keyId', d."keyId", 'providerId', d."keyProviderId") ORDER BY d."deviceKey") AS list
            FROM "VcVmDisk" d JOIN "VcVm" m ON m."id" = d."vmId" WHERE m."cryptoState" IS NOT NULL GROUP BY d."vmId"),
  vms AS (SELECT m."hostId", json_agg(json_build_object('rowId', m."id", 'id', m."moid", 'name', m."name", 'powerState', m."powerState",
                                                   'cryptoState', m."cryptoState", 'keyId', m."keyId", 'keyProviderId', m."keyProviderId",
                                                   'ipAddress', m."ipAddress", 'annotation', m."annotation", 'datastoreIds', m."datastoreIds",
                                                   'disks', disks.list) ORDER BY m."name") AS list
          FROM "VcVm" m LEFT JOIN disks ON disks."vmId" = m."id" WHERE m."cryptoState" IS NOT NULL GROUP BY m."hostId")
SELECT h."id", h."vcenterId", h."moid", h."name", h."clusterId", h."connectionState", h."inMaintenanceMode", h."cryptoState",
       h."hostKeyId", h."hostKeyProviderId", h."readErrors",
       c."moid" AS "clusterMoid", c."name" AS "clusterName", c."vsanEncryption", c."vsanProviderId", c."vsanKekId", c."hostKeyId" AS "clusterHostKeyId",
       COALESCE(groups.list, '[]') AS "diskGroups",
       COALESCE(views.list, '[]') AS "providers",
       CASE WHEN hv.list IS NULL THEN COALESCE(cv.list, '[]') WHEN cv.list IS NULL THEN hv.list
            ELSE (SELECT jsonb_agg(DISTINCT e) FROM jsonb_array_elements(hv.list || cv.list) e) END AS "datastores",
       COALESCE(vms.list, '[]') AS "vms"
FROM "VcHost" h LEFT JOIN "VcCluster" c ON c."id" = h."clusterId"
LEFT JOIN groups ON groups."hostId" = h."id"
LEFT JOIN views ON views."hostId" = h."id"
LEFT JOIN vsan hv ON hv."entityId" = h."id"
LEFT JOIN vsan cv ON cv."entityId" = h."clusterId"
LEFT JOIN vms ON vms."hostId" = h."id"
ORDER BY h."name", h."id"`;

const KINDS = new Set(['standard', 'native', 'trustAuthority']);


const DAY_MS = 86_400_000;
const daysUntil = (at: Date | null, now: Date): number | null => (at ? Math.floor((at.getTime() - now.getTime()) / DAY_MS) : null);

function vmFactsOf(v: HostRow['vms'][number], hostMoid: string | null): VmFacts & { rowId: string } {
  return {
    rowId: v.rowId,
    id: v.id,
    name: v.name,
    hostId: hostMoid,
    powerState: v.powerState,
    cryptoState: v.cryptoState,
    keyId: v.keyId ? { keyId: v.keyId, providerId: v.keyProviderId } : null,
    disks: (v.disks ?? []).map((d) => ({ key: d.key, label: d.label, keyId: d.keyId ? { keyId: d.keyId, providerId: d.providerId } : null })),
    datastoreIds: parseJsonList(v.datastoreIds).map(moidOfRowId),
    ipAddress: v.ipAddress,
    annotation: v.annotation,
  };
}

/**
 * The stored rows change only when a poll cycle changes them (or a target is edited, which makes it
 * due), so the loaded estate is kept per database client until a target's data version moves (or
 * its failing state does): 2,500 hosts are read once per change, not once per page view or per
 * quiet cycle. What every quiet cycle does move — when each vCenter was last read — is read afresh
 * on every call, and `now` is applied afresh, so DATA_FRESH still ages. A cache, not shared state:
 * each web process keeps its own.
 */
const cached = new WeakMap<PrismaClient, { fingerprint: string; estate: StoredEstate }>();

interface PollMark {
  vcenterId: string | null;
  lastSuccessAt: Date | null;
  mark: string;
}

async function pollMarks(prisma: PrismaClient): Promise<{ fingerprint: string; readAt: Map<string, Date | null> }> {
  const rows = await prisma.$queryRawUnsafe<PollMark[]>(
    `SELECT "vcenterId", "lastSuccessAt",
            "id" || '@' || "dataVersion" || '@' || coalesce("targetUpdatedAt"::text, '') || '@' || "consecutiveFailures" || '@' ||
            ("lastSuccessAt" IS NULL) || '@' || coalesce(md5("lastError"), '') AS "mark"
     FROM "PollState" ORDER BY "id"`,
  );
  return { fingerprint: rows.map((r) => r.mark).join(','), readAt: new Map(rows.filter((r) => r.vcenterId).map((r) => [r.vcenterId!, r.lastSuccessAt ? new Date(r.lastSuccessAt) : null])) };
}

/** A read under way, so that the requests arriving right after a cycle commits share one read. */
const reading = new WeakMap<PrismaClient, { fingerprint: string; estate: Promise<StoredEstate> }>();

export interface LoadEstateOptions {
  now: Date;
  freshnessLimitMs: number;
  /**
   * Answer from the previous read while a newer one is under way, instead of waiting ~0.5 s at
   * 2,500 hosts for it: for lists, which may be one read behind. The gate's sources and the blast
   * radius wait.
   */
  staleWhileReading?: boolean;
}

/** For lists: the poll marks are asked of the database at most this often per process. */
const LIST_MARKS_REUSE_MS = 250;
const recentMarks = new WeakMap<PrismaClient, { at: number; marks: Promise<Awaited<ReturnType<typeof pollMarks>>> }>();

function listMarks(prisma: PrismaClient): ReturnType<typeof pollMarks> {
  const now = Date.now();
  const recent = recentMarks.get(prisma);
  if (recent && now - recent.at >= 0 && now - recent.at < LIST_MARKS_REUSE_MS) return recent.marks;
  const marks = pollMarks(prisma);
  recentMarks.set(prisma, { at: now, marks });
  marks.catch(() => recentMarks.delete(prisma));
  return marks;
}

export async function loadStoredEstate(prisma: PrismaClient, options: LoadEstateOptions): Promise<StoredEstate> {
  const { fingerprint, readAt } = await (options.staleWhileReading ? listMarks(prisma) : pollMarks(prisma));
  const at = (estate: StoredEstate): StoredEstate => ({
    ...estate,
    now: options.now,
    freshnessLimitMs: options.freshnessLimitMs,
    vcenters: new Map([...estate.vcenters].map(([id, vc]) => [id, readAt.has(id) ? { ...vc, readAt: readAt.get(id) ?? null } : vc])),
  });
  const hit = cached.get(prisma);
  if (hit && hit.fingerprint === fingerprint) return at(hit.estate);
  const inFlight = reading.get(prisma);
  const estate = inFlight && inFlight.fingerprint === fingerprint ? inFlight.estate : startRead(prisma, options, fingerprint);
  if (options.staleWhileReading && hit) {
    // The read goes on for the next caller; its failure is theirs to see.
    estate.catch(() => undefined);
    return at(hit.estate);
  }
  return at(await estate);
}

function startRead(prisma: PrismaClient, options: LoadEstateOptions, fingerprint: string): Promise<StoredEstate> {
  const estate = (async () => {
    try {
      const read = await readStoredEstate(prisma, options);
      // Only keep what was read under a fingerprint that still holds (a cycle may have committed meanwhile).
      if ((await pollMarks(prisma)).fingerprint === fingerprint) cached.set(prisma, { fingerprint, estate: read });
      return read;
    } finally {
      if (reading.get(prisma)?.fingerprint === fingerprint) reading.delete(prisma);
    }
  })();
  reading.set(prisma, { fingerprint, estate });
  return estate;
}

/** Everything the stored verdicts need, read in one statement for the hosts and a few small ones for the rest. */
async function readStoredEstate(prisma: PrismaClient, options: { now: Date; freshnessLimitMs: number }): Promise<StoredEstate> {
  const { now } = options;
  const [hostRows, vcenterRows, vcProviders, kmsTargets, nodeStates, nodeKeys] = await Promise.all([
    prisma.$queryRawUnsafe<HostRow[]>(HOSTS_SQL),
    prisma.vcenterTarget.findMany({ select: { id: true, name: true, pollState: { select: { lastSuccessAt: true, lastError: true, consecutiveFailures: true } } } }),
    prisma.vcKeyProvider.findMany({ select: { vcenterId: true, providerId: true, kind: true, health: true } }),
    prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true, clientCertPem: true, nodes: { select: { host: true, port: true }, orderBy: { position: 'asc' } } } }),
    prisma.kmsNodeState.findMany({ orderBy: { endpoint: 'asc' } }),
    prisma.kmsNodeKey.findMany({ select: { kmsProviderId: true, endpoint: true, keyId: true, status: true, state: true } }),
  ]);

  // The KMS side, per vCenter provider id.
  const keysByNode = new Map<string, KmsNodeFacts['keys']>();
  for (const k of nodeKeys) {
    const id = `${k.kmsProviderId}|${k.endpoint}`;
    const list = keysByNode.get(id) ?? [];
    list.push({ id: k.keyId, status: k.status as KmsNodeFacts['keys'][number]['status'], ...(k.state !== null && { state: k.state }) });
    keysByNode.set(id, list);
  }
  const kmsByProvider = new Map<string, { monitored: boolean; nodes: KmsNodeFacts[] }>();
  for (const t of kmsTargets) {
    const providerId = effectiveKeyProviderId(t);
    const states = nodeStates.filter((s) => s.kmsProviderId === t.id);
    // A configured node the worker has not probed yet is not known to answer: unreachable until it does.
    const nodes: KmsNodeFacts[] = t.nodes.map((n) => {
      const endpoint = `${n.host}:${n.port}`;
      const s = states.find((x) => x.endpoint === endpoint);
      return {
        providerId,
        name: endpoint,
        host: n.host,
        port: n.port,
        reachable: s?.reachable ?? false,
        error: s ? s.error : 'not probed yet',
        keys: s?.reachable ? (keysByNode.get(`${t.id}|${endpoint}`) ?? []) : [],
        serverCertificateDaysLeft: daysUntil(s?.serverCertNotAfter ?? null, now),
        clientCertificateDaysLeft: daysUntil(s?.clientCertNotAfter ?? null, now),
      };
    });
    kmsByProvider.set(providerId, { monitored: t.clientCertPem !== null && nodes.length > 0, nodes });
  }

  const vcenters = new Map<string, StoredVcenter>();
  for (const vc of vcenterRows) {
    const state = vc.pollState;
    const providers: ProviderFacts[] = [];
    const providerErrors: StoredVcenter['providerErrors'] = [];
    for (const p of vcProviders.filter((x) => x.vcenterId === vc.id)) {
      const kind = (KINDS.has(p.kind) ? p.kind : 'unknown') as ProviderFacts['kind'];
      const kms = kmsByProvider.get(p.providerId);
      if (kind !== 'native' && !kms) providerErrors.push({ providerId: p.providerId, message: `Keywatch has no KMS provider linked to vCenter's key provider ${p.providerId}: add it in Settings → Targets.` });
      providers.push({ id: p.providerId, kind, vcenterHealth: providerHealthLevel(p.health), monitored: kind !== 'native' && (kms?.monitored ?? false), nodes: kind === 'native' ? [] : (kms?.nodes ?? []) });
    }
    vcenters.set(vc.id, {
      id: vc.id,
      name: vc.name,
      reachable: Boolean(state?.lastSuccessAt) && (state?.consecutiveFailures ?? 1) === 0,
      error: state?.lastError ?? (state?.lastSuccessAt ? null : 'Keywatch has not read this vCenter yet.'),
      readAt: state?.lastSuccessAt ?? null,
      providers,
      providerErrors,
    });
  }

  const clusters = new Map<string, StoredCluster>();
  const hosts: StoredHost[] = hostRows.map((r) => {
    if (r.clusterId && !clusters.has(r.clusterId)) {
      clusters.set(r.clusterId, {
        rowId: r.clusterId,
        vcenterId: r.vcenterId,
        facts: {
          id: r.clusterMoid ?? moidOfRowId(r.clusterId),
          name: r.clusterName ?? r.clusterId,
          vsanEncryption: r.vsanEncryption === null ? null : { enabled: r.vsanEncryption, providerId: r.vsanProviderId, kekId: r.vsanKekId, hostKeyId: r.clusterHostKeyId },
        },
        hostRowIds: [],
      });
    }
    if (r.clusterId) clusters.get(r.clusterId)!.hostRowIds.push(r.id);
    return {
      rowId: r.id,
      vcenterId: r.vcenterId,
      clusterRowId: r.clusterId,
      facts: {
        id: r.moid,
        name: r.name,
        clusterId: r.clusterMoid,
        connectionState: r.connectionState,
        inMaintenanceMode: r.inMaintenanceMode,
        cryptoState: r.cryptoState,
        hostKey: r.hostKeyId ? { keyId: r.hostKeyId, providerId: r.hostKeyProviderId } : null,
        providers: r.providers.map((p) => ({ providerId: p.providerId, health: providerHealthLevel(p.health) ?? 'NONE', details: parseJsonList(p.details) })),
        diskGroups: r.diskGroups.map((g) => ({ uuid: g.uuid, mounted: g.mounted, encrypted: g.encrypted, keysLoaded: g.keysLoaded })),
        readErrors: parseJsonList(r.readErrors),
      },
      datastores: r.datastores,
      vms: r.vms.map((v) => vmFactsOf(v, r.moid)),
      diskGroupCapacity: new Map(r.diskGroups.map((g) => [g.uuid, g.capacityBytes])),
    };
  });

  const applianceVms = await loadApplianceVms(prisma, [...kmsByProvider.values()].flatMap((p) => p.nodes));
  return { now, freshnessLimitMs: options.freshnessLimitMs, vcenters, clusters, hosts, applianceVms };
}

/** VMs matched to KMS nodes by guest address, or by the node's address in their name or annotation. */
async function loadApplianceVms(prisma: PrismaClient, nodes: KmsNodeFacts[]): Promise<VmFacts[]> {
  const addresses = [...new Set(nodes.map((n) => n.host))];
  if (addresses.length === 0) return [];
  const rows = await prisma.vcVm.findMany({
    where: { OR: [{ ipAddress: { in: addresses } }, ...addresses.flatMap((a) => [{ name: { contains: a, mode: 'insensitive' as const } }, { annotation: { contains: a, mode: 'insensitive' as const } }])] },
    take: 200,
  });
  return rows.map((v) => ({
    id: v.moid,
    name: v.name,
    hostId: v.hostId ? moidOfRowId(v.hostId) : null,
    powerState: v.powerState,
    cryptoState: v.cryptoState,
    keyId: v.keyId ? { keyId: v.keyId, providerId: v.keyProviderId } : null,
    disks: [],
    datastoreIds: parseJsonList(v.datastoreIds).map(moidOfRowId),
    ipAddress: v.ipAddress,
    annotation: v.annotation,
  }));
}

/** The readiness input of one stored host, as a reboot check would see it from stored data. */
export function storedReadinessInput(estate: StoredEstate, host: StoredHost, byRowId: Map<string, StoredHost>): ReadinessInput {
  const vc = estate.vcenters.get(host.vcenterId);
  const cluster = host.clusterRowId ? estate.clusters.get(host.clusterRowId) : undefined;
  const peers = cluster ? cluster.hostRowIds.filter((id) => id !== host.rowId).map((id) => byRowId.get(id)!.facts) : [];
  return {
    action: 'reboot',
    now: estate.now,
    freshnessLimitMs: estate.freshnessLimitMs,
    vcenter: { reachable: vc?.reachable ?? false, error: vc?.error ?? 'vCenter unknown', source: 'stored', readAt: vc?.readAt ?? null },
    host: host.facts,
    cluster: cluster?.facts ?? null,
    peers,
    vms: host.vms,
    datastores: host.datastores,
    candidateApplianceVms: estate.applianceVms,
    providers: vc?.providers ?? [],
    providerErrors: vc?.providerErrors ?? [],
  };
}
