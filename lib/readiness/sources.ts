/**
 * The real ReadinessSources: vCenter read live through lib/vsphere, every node of each needed KMS
 * provider probed live through lib/kmip, and the poller's stored tables as the fallback when vCenter
 * cannot be read. One instance serves one check of one host (it keeps one vCenter client open for
 * the check; call close()).
 */
import { moidOfRowId } from '../observations/vcenter-rows';
import type { PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { probeKmsNode, type KmsNodeProbe } from '../kmip/probe';
import type { SecretBox } from '../secrets/keyring';
import { effectiveKeyProviderId, openKmsClientCredentials } from '../targets/store';
import { openVsphereClient } from '../targets/vcenter-connection';
import type { VsphereClient } from '../vsphere/client';
import { providerKind, type EstateHost, type EstateVm } from '../vsphere/estate';
import type { HostContext, ProviderSnapshot, ReadinessSources } from './check';
import type { DatastoreFacts, HostFacts, KmsNodeFacts, ProviderFacts, ProviderHealthLevel, VmFacts } from './input';
import { providerHealthLevel } from './input';

const HOST_ERROR_STATUS = { 'not-found': 404, ambiguous: 409 } as const;

/** A host the API cannot find (404) or cannot tell apart from another of the same name (409). */
export class ReadinessHostError extends DomainError<keyof typeof HOST_ERROR_STATUS> {
  override name = 'ReadinessHostError';
  constructor(code: keyof typeof HOST_ERROR_STATUS, message: string) {
    super(code, HOST_ERROR_STATUS[code], message);
  }
}

export interface ResolvedHost {
  /** VcHost row id, "<vcenterId>:<moid>". */
  rowId: string;
  vcenterId: string;
  moid: string;
  name: string;
  clusterRowId: string | null;
}

/** The stored host by row id, managed object id or name (the gate CLI sends names). */
export async function resolveHost(prisma: PrismaClient, idOrName: string): Promise<ResolvedHost> {
  const select = { id: true, vcenterId: true, moid: true, name: true, clusterId: true } as const;
  const byId = await prisma.vcHost.findUnique({ where: { id: idOrName }, select });
  const rows = byId
    ? [byId]
    : await prisma.vcHost.findMany({ where: { OR: [{ moid: idOrName }, { name: { equals: idOrName, mode: 'insensitive' } }] }, select, take: 3 });
  if (rows.length === 0) throw new ReadinessHostError('not-found', `No host "${idOrName}" is known to Keywatch (by id, managed object id or name).`);
  if (rows.length > 1) throw new ReadinessHostError('ambiguous', `"${idOrName}" names hosts in more than one vCenter; use the host id (${rows.map((r) => r.id).join(', ')}).`);
  const row = rows[0]!;
  return { rowId: row.id, vcenterId: row.vcenterId, moid: row.moid, name: row.name, clusterRowId: row.clusterId };
}

export interface LiveSourcesOptions {
  prisma: PrismaClient;
  box: SecretBox;
  vcenterId: string;
  now?: () => Date;
  freshnessLimitMs?: number;
  /** Per vCenter request. */
  vcenterTimeoutMs?: number;
  /** Per KMS node's whole probe. */
  kmsTimeoutMs?: number;
  /** A vCenter client shared by several checks (a rolling plan); its owner closes it. */
  sharedClient?: Promise<VsphereClient>;
}

export interface LiveReadinessSources extends ReadinessSources {
  /** The open vCenter client, once readHostLive succeeded (actions reuse it). */
  client(): Promise<VsphereClient>;
  /** readHostLive for several hosts in one read (a rolling plan); hosts vCenter does not know are left out. */
  readHostsLive(hostIds: string[]): Promise<Map<string, HostContext>>;
  close(): Promise<void>;
}

const health = providerHealthLevel;

function hostFacts(h: EstateHost): HostFacts {
  return {
    id: h.id,
    name: h.name,
    clusterId: h.clusterId,
    connectionState: h.connectionState,
    inMaintenanceMode: h.inMaintenanceMode,
    cryptoState: h.cryptoState,
    hostKey: h.hostKey,
    providers: h.providers?.map((p) => ({ providerId: p.providerId, health: health(p.health) ?? 'NONE', details: p.details })) ?? null,
    diskGroups: h.diskGroups?.map((g) => ({ uuid: g.uuid, mounted: g.mounted, encrypted: g.encrypted, keysLoaded: g.keysLoaded })) ?? null,
    readErrors: h.readErrors,
  };
}

export function vmFacts(v: EstateVm): VmFacts {
  return {
    id: v.id,
    name: v.name,
    hostId: v.hostId,
    powerState: v.powerState,
    cryptoState: v.cryptoState,
    keyId: v.keyId,
    disks: v.disks.map((d) => ({ key: d.key, label: d.label, keyId: d.keyId })),
    datastoreIds: v.datastoreIds,
    ipAddress: v.ipAddress,
    annotation: v.annotation,
  };
}

function nodeFacts(providerId: string, probe: KmsNodeProbe): KmsNodeFacts {
  return {
    providerId,
    name: probe.endpoint,
    host: probe.host,
    port: probe.port,
    reachable: probe.reachable,
    error: probe.error ?? null,
    keys: probe.keys.map((k) => ({ id: k.id, status: k.status, ...(k.state !== undefined && { state: k.state }) })),
    serverCertificateDaysLeft: probe.serverCertificate?.daysLeft ?? null,
    clientCertificateDaysLeft: probe.clientCertificate?.daysLeft ?? null,
  };
}


export function createReadinessSources(opts: LiveSourcesOptions): LiveReadinessSources {
  const { prisma, box, vcenterId } = opts;
  const now = opts.now ?? (() => new Date());
  const kmsTimeoutMs = opts.kmsTimeoutMs ?? 5_000;
  let clientPromise: Promise<VsphereClient> | null = opts.sharedClient ?? null;
  let liveReadOk = false;
  const rowId = (moid: string) => `${vcenterId}:${moid}`;

  const client = (): Promise<VsphereClient> => {
    clientPromise ??= openVsphereClient(prisma, box, vcenterId, opts.vcenterTimeoutMs);
    return clientPromise;
  };

  async function readDatastores(c: VsphereClient, ids: string[]): Promise<DatastoreFacts[]> {
    if (ids.length === 0) return [];
    const list = await c.collector.collectObjects('Datastore', ids, ['name', 'summary.type']);
    return list.map((d) => ({ id: d.ref.value, name: d.props.name?._value ?? d.ref.value, type: d.props['summary.type']?._value ?? null }));
  }

  /** One live read of these hosts, their VMs and datastores, and the cluster peers not among them. */
  async function readHostsLive(hostIds: string[]): Promise<Map<string, HostContext>> {
    const c = await client();
    const first = await c.readHosts(hostIds);
    const wanted = first.hosts.filter((h) => hostIds.includes(h.id));
    const clusters = new Map(first.clusters.map((cl) => [cl.id, cl]));
    const known = new Set(first.hosts.map((h) => h.id));
    const peerIds = [...new Set(wanted.flatMap((h) => clusters.get(h.clusterId ?? '')?.hostIds ?? []))].filter((id) => !known.has(id));
    const datastoreIds = [...new Set([...wanted.flatMap((h) => clusters.get(h.clusterId ?? '')?.datastoreIds ?? []), ...first.vms.flatMap((v) => v.datastoreIds)])];
    const [peers, datastores] = await Promise.all([peerIds.length > 0 ? c.readHosts(peerIds, { providerDetails: false }) : null, readDatastores(c, datastoreIds)]);
    liveReadOk = true;
    const allHosts = [...first.hosts, ...(peers?.hosts ?? [])].map(hostFacts);
    const readAt = new Date(first.readAt);
    return new Map(
      wanted.map((host) => {
        const cluster = clusters.get(host.clusterId ?? '') ?? null;
        const memberIds = new Set(cluster?.hostIds ?? []);
        const vms = first.vms.filter((v) => v.hostId === host.id);
        const mounted = new Set([...(cluster?.datastoreIds ?? []), ...vms.flatMap((v) => v.datastoreIds)]);
        const context: HostContext = {
          host: hostFacts(host),
          cluster: cluster && { id: cluster.id, name: cluster.name, vsanEncryption: cluster.vsanEncryption },
          peers: allHosts.filter((p) => p.id !== host.id && memberIds.has(p.id)),
          vms: vms.map(vmFacts),
          datastores: datastores.filter((d) => mounted.has(d.id)),
          readAt,
        };
        return [host.id, context];
      }),
    );
  }

  return {
    now,
    freshnessLimitMs: opts.freshnessLimitMs ?? 120_000,
    client,

    async readHostLive(hostId) {
      const context = (await readHostsLive([hostId])).get(hostId);
      if (!context) throw new ReadinessHostError('not-found', `vCenter does not know host ${hostId} any more.`);
      return context;
    },

    readHostsLive,

    async readHostStored(hostId) {
      const row = await prisma.vcHost.findUnique({ where: { id: rowId(hostId) } });
      if (!row) return null;
      const state = await prisma.pollState.findFirst({ where: { vcenterId, kind: 'vcenter' }, select: { lastSuccessAt: true } });
      if (!state?.lastSuccessAt) return null;
      const cluster = row.clusterId ? await prisma.vcCluster.findUnique({ where: { id: row.clusterId } }) : null;
      const hostRows = await prisma.vcHost.findMany({ where: row.clusterId ? { clusterId: row.clusterId } : { id: row.id } });
      const ids = hostRows.map((h) => h.id);
      const [groups, views, vmRows] = await Promise.all([
        prisma.vcDiskGroup.findMany({ where: { hostId: { in: ids } } }),
        prisma.vcHostProviderHealth.findMany({ where: { hostId: { in: ids } } }),
        prisma.vcVm.findMany({ where: { hostId: row.id } }),
      ]);
      const disks = await prisma.vcVmDisk.findMany({ where: { vmId: { in: vmRows.map((v) => v.id) } } });
      const dsIds = [...new Set(vmRows.flatMap((v) => JSON.parse(v.datastoreIds) as string[]))];
      const mounts = await prisma.vcDatastoreMount.findMany({ where: { entityId: { in: [row.id, ...(row.clusterId ? [row.clusterId] : [])] } } });
      const dsRows = await prisma.vcDatastore.findMany({ where: { id: { in: [...new Set([...dsIds, ...mounts.map((m) => m.datastoreId)])] } } });
      const toHost = (h: (typeof hostRows)[number]): HostFacts => ({
        id: h.moid,
        name: h.name,
        clusterId: cluster?.moid ?? null,
        connectionState: h.connectionState,
        inMaintenanceMode: h.inMaintenanceMode,
        cryptoState: h.cryptoState,
        hostKey: h.hostKeyId ? { keyId: h.hostKeyId, providerId: h.hostKeyProviderId } : null,
        providers: views.filter((v) => v.hostId === h.id).map((v) => ({ providerId: v.providerId, health: health(v.health) ?? 'NONE', details: JSON.parse(v.details) as string[] })),
        diskGroups: groups.filter((g) => g.hostId === h.id).map((g) => ({ uuid: g.uuid, mounted: g.mounted, encrypted: g.encrypted, keysLoaded: g.keysLoaded })),
        readErrors: h.readErrors ? (JSON.parse(h.readErrors) as string[]) : [],
      });
      return {
        host: toHost(row),
        cluster: cluster && {
          id: cluster.moid,
          name: cluster.name,
          vsanEncryption:
            cluster.vsanEncryption === null ? null : { enabled: cluster.vsanEncryption, providerId: cluster.vsanProviderId, kekId: cluster.vsanKekId, hostKeyId: cluster.hostKeyId },
        },
        peers: hostRows.filter((h) => h.id !== row.id).map(toHost),
        vms: vmRows.map((v) => ({
          id: v.moid,
          name: v.name,
          hostId: row.moid,
          powerState: v.powerState,
          cryptoState: v.cryptoState,
          keyId: v.keyId ? { keyId: v.keyId, providerId: v.keyProviderId } : null,
          disks: disks
            .filter((d) => d.vmId === v.id)
            .map((d) => ({ key: d.deviceKey, label: d.label, keyId: d.keyId ? { keyId: d.keyId, providerId: d.keyProviderId } : null })),
          datastoreIds: (JSON.parse(v.datastoreIds) as string[]).map(moidOfRowId),
          ipAddress: v.ipAddress,
          annotation: v.annotation,
        })),
        datastores: dsRows.map((d) => ({ id: d.moid, name: d.name, type: d.type })),
        readAt: state.lastSuccessAt,
      };
    },

    async probeProviders(keysByProvider): Promise<ProviderSnapshot> {
      const errors: ProviderSnapshot['errors'] = [];
      const [targets, vcView] = await Promise.all([
        prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true } }),
        vcenterProviderView(),
      ]);
      const providers = await Promise.all(
        [...keysByProvider].map(async ([providerId, keyIds]): Promise<ProviderFacts> => {
          const view = vcView.get(providerId);
          const base = { id: providerId, kind: view?.kind ?? 'unknown', vcenterHealth: view?.health ?? null } as const;
          if (base.kind === 'native') return { ...base, monitored: false, nodes: [] };
          const target = targets.find((t) => effectiveKeyProviderId(t) === providerId);
          if (!target) {
            errors.push({ providerId, message: `Keywatch has no KMS provider linked to vCenter's key provider ${providerId}: add it in Settings → Targets.` });
            return { ...base, monitored: false, nodes: [] };
          }
          const creds = await openKmsClientCredentials(prisma, box, target.id);
          if (!creds.certPem || !creds.keyPem) {
            errors.push({ providerId, message: `KMS provider ${creds.name} has no client certificate yet, so Keywatch cannot authenticate to its nodes.` });
            return { ...base, monitored: false, nodes: [] };
          }
          const t = kmsTimeoutMs;
          const timeouts = { connectMs: Math.min(3000, t), handshakeMs: Math.min(5000, t), responseMs: Math.max(1000, t - 2000) };
          const probes = await Promise.all(
            creds.nodes.map((n) => probeKmsNode({ host: n.host, port: n.port, caPem: creds.caPem, certPem: creds.certPem!, keyPem: creds.keyPem!, timeouts }, { keyIds, now: now() })),
          );
          return { ...base, kind: base.kind === 'unknown' && !view ? 'standard' : base.kind, monitored: true, nodes: probes.map((p) => nodeFacts(providerId, p)) };
        }),
      );
      return { providers, errors };
    },

    async applianceCandidates(nodes) {
      const hosts = [...new Set(nodes.map((n) => n.host.toLowerCase()))];
      const names = nodes.map((n) => n.host);
      const rows = await prisma.vcVm.findMany({
        where: {
          vcenterId,
          OR: [{ ipAddress: { in: hosts } }, ...names.flatMap((n) => [{ name: { contains: n, mode: 'insensitive' as const } }, { annotation: { contains: n, mode: 'insensitive' as const } }])],
        },
        select: { moid: true },
      });
      if (rows.length === 0) return [];
      if (!liveReadOk) return [];
      const live = await (await client()).readVms(rows.map((r) => r.moid));
      return live.map(vmFacts);
    },

    async close() {
      if (!clientPromise || opts.sharedClient) return;
      const c = await clientPromise.catch(() => null);
      await c?.close().catch(() => undefined);
    },
  };

  /** vCenter's own view of each provider (kind and health); from the last poll when vCenter is down. */
  async function vcenterProviderView(): Promise<Map<string, { kind: ProviderFacts['kind']; health: ProviderHealthLevel | null }>> {
    const out = new Map<string, { kind: ProviderFacts['kind']; health: ProviderHealthLevel | null }>();
    if (liveReadOk) {
      try {
        const c = await client();
        const [summaries, clusters] = await Promise.all([c.listKeyProviders(), c.listKmipServers()]);
        for (const cl of clusters) {
          const s = summaries.find((x) => x.provider === cl.clusterId.id);
          out.set(cl.clusterId.id, { kind: providerKind(cl.managementType, s?.type), health: health(s?.health) });
        }
        for (const s of summaries) if (!out.has(s.provider)) out.set(s.provider, { kind: providerKind(undefined, s.type), health: health(s.health) });
        return out;
      } catch {
        // Fall through to the stored view; EVACUATION_KEYS treats an unknown health as blocking.
      }
    }
    const rows = await prisma.vcKeyProvider.findMany({ where: { vcenterId } });
    for (const r of rows) out.set(r.providerId, { kind: (['standard', 'native', 'trustAuthority'].includes(r.kind) ? r.kind : 'unknown') as ProviderFacts['kind'], health: null });
    return out;
  }
}
