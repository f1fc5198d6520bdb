/**
 * Stored facts the rules need beyond the target being evaluated: what Keywatch sees of each key
 * provider's KMS nodes (for a vCenter's alerts), and where each key is used and what vCenter
 * calls each KMS node (for a KMS provider's alerts).
 */
import { parseJsonArray } from '../observations/json-columns';
import type { Db } from '../observations/table-writer';

export interface ProviderKmsFacts {
  /** The KmsProvider target linked to this vCenter provider id. */
  targetId: string;
  targetName: string;
  nodesTotal: number;
  /** Nodes that did not answer their last probe (the cause text reports it at once; KMS_NODE_DOWN waits for two). */
  nodesDown: number;
  /** One failure sentence of a down node. */
  firstError: string | null;
}

/** KMS node facts per vCenter provider id, for the providers that have a KMS target linked. */
export async function loadProviderKmsFacts(db: Db): Promise<Map<string, ProviderKmsFacts>> {
  const targets = await db.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true, nodeStates: { select: { reachable: true, error: true } } } });
  const out = new Map<string, ProviderKmsFacts>();
  for (const t of targets) {
    const down = t.nodeStates.filter((n) => !n.reachable);
    out.set(t.keyProviderId ?? t.name, {
      targetId: t.id,
      targetName: t.name,
      nodesTotal: t.nodeStates.length,
      nodesDown: down.length,
      firstError: down.find((n) => n.error)?.error ?? null,
    });
  }
  return out;
}

export interface KeyUse {
  clusters: string[];
  hostKeyOf: string[];
  vms: string[];
  vmCount: number;
  diskCount: number;
}

/** Where each of `keyIds` of provider `providerId` is used, across every vCenter (a few names each). */
export async function loadKeyUse(db: Db, providerId: string, keyIds: readonly string[]): Promise<Map<string, KeyUse>> {
  const out = new Map<string, KeyUse>();
  if (keyIds.length === 0) return out;
  const ids = [...keyIds];
  const entry = (keyId: string) => {
    let e = out.get(keyId);
    if (!e) out.set(keyId, (e = { clusters: [], hostKeyOf: [], vms: [], vmCount: 0, diskCount: 0 }));
    return e;
  };
  const [clusters, vms, disks] = await Promise.all([
    db.vcCluster.findMany({ where: { vsanProviderId: providerId, OR: [{ vsanKekId: { in: ids } }, { hostKeyId: { in: ids } }] }, select: { name: true, vsanKekId: true, hostKeyId: true } }),
    db.$queryRawUnsafe<{ keyId: string; n: number; names: string[] }[]>(
      `SELECT "keyId", count(*)::int AS n, (array_agg("name" ORDER BY "name"))[1:5] AS names FROM "VcVm"
       WHERE "keyProviderId" = $1 AND "keyId" = ANY($2::text[]) GROUP BY "keyId"`,
      providerId,
      ids,
    ),
    db.$queryRawUnsafe<{ keyId: string; n: number }[]>(
      `SELECT "keyId", count(*)::int AS n FROM "VcVmDisk" WHERE "keyProviderId" = $1 AND "keyId" = ANY($2::text[]) GROUP BY "keyId"`,
      providerId,
      ids,
    ),
  ]);
  for (const c of clusters) {
    if (c.vsanKekId && ids.includes(c.vsanKekId)) entry(c.vsanKekId).clusters.push(c.name);
    if (c.hostKeyId && ids.includes(c.hostKeyId)) entry(c.hostKeyId).hostKeyOf.push(c.name);
  }
  for (const v of vms) Object.assign(entry(v.keyId), { vms: v.names, vmCount: Number(v.n) });
  for (const d of disks) entry(d.keyId).diskCount = Number(d.n);
  return out;
}

export function describeKeyUse(use: KeyUse | undefined): string {
  if (!use) return 'no object vCenter reports';
  const parts: string[] = [];
  if (use.clusters.length) parts.push(`the vSAN KEK of cluster ${use.clusters.join(', ')}`);
  if (use.hostKeyOf.length) parts.push(`the host key of cluster ${use.hostKeyOf.join(', ')}`);
  if (use.vmCount) parts.push(`${use.vmCount} VM${use.vmCount === 1 ? '' : 's'} (${use.vms.join(', ')}${use.vmCount > use.vms.length ? ', …' : ''})`);
  if (use.diskCount) parts.push(`${use.diskCount} virtual disk${use.diskCount === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no object vCenter reports';
}

/** What vCenter calls each KMS node of `providerId` ("kms-1"), keyed by "address:port". */
export async function loadNodeNames(db: Db, providerId: string): Promise<Map<string, string>> {
  const rows = await db.vcKeyProvider.findMany({ where: { providerId }, select: { servers: true } });
  const out = new Map<string, string>();
  for (const row of rows) for (const s of parseJsonArray<{ name: string; address: string; port: number }>(row.servers)) out.set(`${s.address}:${s.port}`, s.name);
  return out;
}
