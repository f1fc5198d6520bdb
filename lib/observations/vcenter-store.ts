/**
 * The stored picture of one vCenter: load it, fold a fresh reading into it (keeping what the
 * reading could not see), and write only the difference.
 */
import { diffTable, type TableDiff } from './table-diff';
import { insertChangeLog, writeTableDiff, type ChangeLogContext, type Db, type TableSpec } from './table-writer';
import type { VcenterGaps, VcenterRows } from './vcenter-rows';

type TableKey = keyof VcenterRows;
type RowOf<K extends TableKey> = VcenterRows[K] extends Map<string, infer R> ? R : never;

const named = (row: { name: string }) => row.name;

/** Write order and change-log names of each table. */
const SPECS: { [K in TableKey]: TableSpec<RowOf<K>> } = {
  clusters: { table: 'VcCluster', entityType: 'cluster', hasChangedAt: true, nameOf: named },
  hosts: { table: 'VcHost', entityType: 'host', hasChangedAt: true, nameOf: named },
  diskGroups: { table: 'VcDiskGroup', entityType: 'diskGroup', hasChangedAt: true, nameOf: (r) => r.uuid },
  datastores: { table: 'VcDatastore', entityType: 'datastore', hasChangedAt: true, nameOf: named },
  datastoreMounts: { table: 'VcDatastoreMount', entityType: 'datastoreMount', hasChangedAt: false, nameOf: () => null },
  vms: { table: 'VcVm', entityType: 'vm', hasChangedAt: true, nameOf: named },
  vmDisks: { table: 'VcVmDisk', entityType: 'vmDisk', hasChangedAt: true, nameOf: (r) => r.label },
  keyProviders: { table: 'VcKeyProvider', entityType: 'keyProvider', hasChangedAt: true, nameOf: (r) => r.providerId },
  hostProviderHealth: { table: 'VcHostProviderHealth', entityType: 'hostProviderHealth', hasChangedAt: true, nameOf: (r) => r.providerId },
  keys: { table: 'VcKey', entityType: 'key', hasChangedAt: true, nameOf: (r) => r.keyId },
};
const TABLES = Object.keys(SPECS) as TableKey[];

function byId<R extends { id: string }>(rows: R[]): Map<string, R> {
  return new Map(rows.map((r) => [r.id, r]));
}

function withoutChangedAt<R extends { changedAt?: Date }>(rows: R[]): Omit<R, 'changedAt'>[] {
  return rows.map(({ changedAt: _changedAt, ...rest }) => rest);
}

/** Everything stored for one vCenter, in the same shape buildVcenterRows produces. */
export async function loadVcenterRows(db: Db, vcenterId: string): Promise<VcenterRows> {
  const where = { where: { vcenterId } };
  const [clusters, hosts, diskGroups, datastores, datastoreMounts, vms, vmDisks, keyProviders, hostProviderHealth, keys] = await Promise.all([
    db.vcCluster.findMany(where),
    db.vcHost.findMany(where),
    db.vcDiskGroup.findMany(where),
    db.vcDatastore.findMany(where),
    db.vcDatastoreMount.findMany(where),
    db.vcVm.findMany(where),
    db.vcVmDisk.findMany(where),
    db.vcKeyProvider.findMany(where),
    db.vcHostProviderHealth.findMany(where),
    db.vcKey.findMany(where),
  ]);
  return {
    clusters: byId(withoutChangedAt(clusters)),
    hosts: byId(withoutChangedAt(hosts)),
    diskGroups: byId(withoutChangedAt(diskGroups)),
    datastores: byId(withoutChangedAt(datastores)),
    datastoreMounts: byId(datastoreMounts),
    vms: byId(withoutChangedAt(vms)),
    vmDisks: byId(withoutChangedAt(vmDisks)),
    keyProviders: byId(withoutChangedAt(keyProviders)),
    hostProviderHealth: byId(withoutChangedAt(hostProviderHealth)),
    keys: byId(withoutChangedAt(keys)),
  };
}

/**
 * The fresh rows with the gaps filled from what is stored: disk groups and provider views of
 * hosts vCenter could not report stay as they were, and so do vCenter's server and key status
 * when those calls failed. Partial data never overwrites what was known.
 */
export function fillGaps(stored: VcenterRows, fresh: VcenterRows, gaps: VcenterGaps): VcenterRows {
  const merged: VcenterRows = { ...fresh, diskGroups: new Map(fresh.diskGroups), hostProviderHealth: new Map(fresh.hostProviderHealth) };
  // Only hosts still in the inventory keep their unread parts; a host that is gone takes them along.
  for (const [id, row] of stored.diskGroups) {
    if (gaps.diskGroupsUnread.has(row.hostId) && fresh.hosts.has(row.hostId)) merged.diskGroups.set(id, row);
  }
  for (const [id, row] of stored.hostProviderHealth) {
    if (gaps.providerViewUnread.has(row.hostId) && fresh.hosts.has(row.hostId)) merged.hostProviderHealth.set(id, row);
  }
  if (gaps.serverStatusUnread) {
    merged.keyProviders = new Map(
      [...fresh.keyProviders].map(([id, row]) => [id, { ...row, serverStatus: stored.keyProviders.get(id)?.serverStatus ?? null }]),
    );
  }
  if (gaps.keyStatusUnread) {
    merged.keys = new Map(
      [...fresh.keys].map(([id, row]) => {
        const before = stored.keys.get(id);
        return [id, { ...row, available: before?.available ?? null, reason: before?.reason ?? null }];
      }),
    );
  }
  return merged;
}

export interface VcenterWriteResult {
  rowsWritten: number;
  changes: number;
  diffs: { [K in TableKey]: TableDiff<RowOf<K>> };
}

/** Diffs `next` against `stored` table by table and writes the differences and their change log. */
export async function writeVcenterRows(db: Db, stored: VcenterRows, next: VcenterRows, ctx: ChangeLogContext): Promise<VcenterWriteResult> {
  let rowsWritten = 0;
  const changes = [];
  const diffs = {} as VcenterWriteResult['diffs'];
  for (const key of TABLES) {
    const diff = diffTable(stored[key] as Map<string, { id: string }>, next[key] as Map<string, { id: string }>);
    (diffs as Record<string, unknown>)[key] = diff;
    const written = await writeTableDiff(db, SPECS[key] as TableSpec<{ id: string }>, diff, ctx);
    rowsWritten += written.rowsWritten;
    changes.push(...written.changes);
  }
  rowsWritten += await insertChangeLog(db, changes);
  return { rowsWritten, changes: changes.length, diffs };
}
