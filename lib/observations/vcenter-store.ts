/**
 * The stored picture of one vCenter, and writing a fresh reading into it as differences only.
 *
 * What is kept in memory between cycles is one fingerprint (SHA-1 of the compared columns) per
 * stored row, not the rows: on 40,000 VMs that is ~10 MB instead of ~100 MB, and comparing a fresh
 * row is one hash. Whole stored rows are fetched only where they are needed: the few that changed
 * or vanished (for the change log), and the parts a reading could not see (kept as they are).
 */
import { createHash } from 'node:crypto';
import type { TableDiff } from './table-diff';
import { insertChangeLog, writeTableDiff, type ChangeLogContext, type ChangeRecord, type Db, type ObservationTable, type TableSpec } from './table-writer';
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

/** Per table: stored row id → fingerprint of its compared columns. */
export type VcenterFingerprints = { [K in TableKey]: Map<string, string> };

const NOT_COMPARED = new Set(['id', 'changedAt']);

/**
 * SHA-1 of the row's compared columns in name order; dates as ISO strings, undefined as null.
 * One JSON text and one hash update per row: a cycle fingerprints every row of the estate.
 */
export function fingerprint(row: Record<string, unknown>): string {
  const keys = Object.keys(row)
    .filter((key) => !NOT_COMPARED.has(key))
    .sort();
  const values = keys.map((key) => {
    const v = row[key];
    return v instanceof Date ? v.toISOString() : (v ?? null);
  });
  return createHash('sha1').update(JSON.stringify([keys, values])).digest('base64');
}

const PAGE = 10_000;

async function rowsWhere<R>(db: Db, table: ObservationTable, where: string, params: unknown[]): Promise<R[]> {
  return db.$queryRawUnsafe<R[]>(`SELECT * FROM "${table}" WHERE ${where}`, ...params);
}

/** Fingerprints of the rows of `table` whose `column` is `value`, read a page at a time so the rows never pile up. */
export async function loadTableFingerprints(db: Db, table: ObservationTable, column: string, value: string): Promise<Map<string, string>> {
  const prints = new Map<string, string>();
  let after = '';
  for (;;) {
    const page = await rowsWhere<PlainRow>(db, table, `"${column}" = $1 AND "id" > $2 ORDER BY "id" LIMIT ${PAGE}`, [value, after]);
    for (const row of page) prints.set(row.id, fingerprint(row));
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return prints;
}

/** Fingerprints of everything stored for one vCenter. */
export async function loadVcenterFingerprints(db: Db, vcenterId: string): Promise<VcenterFingerprints> {
  const out = {} as VcenterFingerprints;
  await Promise.all(
    TABLES.map(async (key) => {
      out[key] = await loadTableFingerprints(db, SPECS[key].table, 'vcenterId', vcenterId);
    }),
  );
  return out;
}

export function fingerprintsOf(rows: VcenterRows): VcenterFingerprints {
  const out = {} as VcenterFingerprints;
  for (const key of TABLES) out[key] = new Map([...(rows[key] as Map<string, PlainRow>)].map(([id, row]) => [id, fingerprint(row)]));
  return out;
}

export type PlainRow = Record<string, unknown> & { id: string };

function strip<R extends PlainRow>(row: R): Omit<R, 'changedAt'> {
  const { changedAt: _changedAt, ...rest } = row;
  return rest;
}

/**
 * The fresh rows with the gaps filled from what is stored: disk groups and provider views of
 * hosts vCenter could not report stay as they were, and so do vCenter's server and key status
 * when those calls failed. Partial data never overwrites what was known.
 */
export async function fillGaps(db: Db, vcenterId: string, fresh: VcenterRows, gaps: VcenterGaps): Promise<VcenterRows> {
  const merged: VcenterRows = { ...fresh, diskGroups: new Map(fresh.diskGroups), hostProviderHealth: new Map(fresh.hostProviderHealth) };
  // Only hosts still in the inventory keep their unread parts; a host that is gone takes them along.
  const keep = (ids: Set<string>) => [...ids].filter((id) => fresh.hosts.has(id));
  const unreadGroups = keep(gaps.diskGroupsUnread);
  if (unreadGroups.length > 0) {
    for (const row of await rowsWhere<RowOf<'diskGroups'> & { changedAt: Date }>(db, 'VcDiskGroup', `"hostId" = ANY($1::text[])`, [unreadGroups])) merged.diskGroups.set(row.id, strip(row));
  }
  const unreadViews = keep(gaps.providerViewUnread);
  if (unreadViews.length > 0) {
    for (const row of await rowsWhere<RowOf<'hostProviderHealth'> & { changedAt: Date }>(db, 'VcHostProviderHealth', `"hostId" = ANY($1::text[])`, [unreadViews])) {
      merged.hostProviderHealth.set(row.id, strip(row));
    }
  }
  if (gaps.serverStatusUnread) {
    const stored = new Map((await rowsWhere<{ id: string; serverStatus: string | null }>(db, 'VcKeyProvider', `"vcenterId" = $1`, [vcenterId])).map((r) => [r.id, r.serverStatus]));
    merged.keyProviders = new Map([...fresh.keyProviders].map(([id, row]) => [id, { ...row, serverStatus: stored.get(id) ?? null }]));
  }
  if (gaps.keyStatusUnread) {
    const stored = new Map((await rowsWhere<{ id: string; available: boolean | null; reason: string | null }>(db, 'VcKey', `"vcenterId" = $1`, [vcenterId])).map((r) => [r.id, r]));
    merged.keys = new Map([...fresh.keys].map(([id, row]) => [id, { ...row, available: stored.get(id)?.available ?? null, reason: stored.get(id)?.reason ?? null }]));
  }
  return merged;
}

export interface VcenterWriteResult {
  rowsWritten: number;
  changes: number;
  /** Fingerprints of what is stored now (the next cycle's baseline). */
  fingerprints: VcenterFingerprints;
}

/** What a cycle will write, worked out before its transaction opens. */
export interface VcenterWritePlan {
  diffs: { key: TableKey; diff: TableDiff<PlainRow> }[];
  fingerprints: VcenterFingerprints;
}

/**
 * Compares one table's fresh rows with the stored fingerprints and fetches the stored versions of
 * the rows that changed or vanished (for the change log). Reads only.
 */
export async function planTableDiff(
  db: Db,
  spec: TableSpec<PlainRow>,
  before: ReadonlyMap<string, string>,
  fresh: ReadonlyMap<string, PlainRow>,
): Promise<{ diff: TableDiff<PlainRow> | null; prints: Map<string, string> }> {
  const prints = new Map<string, string>();
  const added: PlainRow[] = [];
  const changedIds: string[] = [];
  for (const [id, row] of fresh) {
    const print = fingerprint(row);
    prints.set(id, print);
    const old = before.get(id);
    if (old === undefined) added.push(row);
    else if (old !== print) changedIds.push(id);
  }
  const removedIds: string[] = [];
  for (const id of before.keys()) if (!fresh.has(id)) removedIds.push(id);
  if (added.length + changedIds.length + removedIds.length === 0) return { diff: null, prints };
  const olds =
    changedIds.length + removedIds.length > 0
      ? new Map((await rowsWhere<PlainRow>(db, spec.table, `"id" = ANY($1::text[])`, [[...changedIds, ...removedIds]])).map((r): [string, PlainRow] => [r.id, { ...strip(r), id: r.id }]))
      : new Map<string, PlainRow>();
  return {
    prints,
    diff: {
      added,
      removed: removedIds.map((id) => olds.get(id) ?? { id }),
      changed: changedIds.map((id) => {
        const after = fresh.get(id)!;
        const old: PlainRow = olds.get(id) ?? { id };
        const fields = Object.keys(after).filter((f) => !NOT_COMPARED.has(f) && fingerprint({ [f]: old[f] }) !== fingerprint({ [f]: after[f] }));
        return { before: old, after, fields };
      }),
    },
  };
}

/**
 * One table compared and written in one go (the OpenStack store's tables); the change-log records
 * are returned for the caller to insert with the rest of the cycle.
 */
export async function writeFingerprintedTable(
  db: Db,
  spec: TableSpec<PlainRow>,
  before: ReadonlyMap<string, string>,
  fresh: ReadonlyMap<string, PlainRow>,
  ctx: ChangeLogContext,
): Promise<{ rowsWritten: number; changes: ChangeRecord[]; prints: Map<string, string> }> {
  const { diff, prints } = await planTableDiff(db, spec, before, fresh);
  if (!diff) return { rowsWritten: 0, changes: [], prints };
  return { ...(await writeTableDiff(db, spec, diff, ctx)), prints };
}

/**
 * Every vCenter table's differences, worked out before the cycle's transaction opens so that the
 * transaction holds its locks for the writes alone (the target's lease keeps other workers from
 * writing these rows meanwhile).
 */
export async function planVcenterWrite(db: Db, stored: VcenterFingerprints, next: VcenterRows): Promise<VcenterWritePlan> {
  const diffs: VcenterWritePlan['diffs'] = [];
  const fingerprints = {} as VcenterFingerprints;
  for (const key of TABLES) {
    const planned = await planTableDiff(db, SPECS[key] as TableSpec<PlainRow>, stored[key], next[key] as Map<string, PlainRow>);
    fingerprints[key] = planned.prints;
    if (planned.diff) diffs.push({ key, diff: planned.diff });
  }
  return { diffs, fingerprints };
}

/** Writes a plan's differences and their change log (inside the cycle's transaction). */
export async function applyVcenterWrite(db: Db, plan: VcenterWritePlan, ctx: ChangeLogContext): Promise<VcenterWriteResult> {
  let rowsWritten = 0;
  const changes: ChangeRecord[] = [];
  for (const { key, diff } of plan.diffs) {
    const written = await writeTableDiff(db, SPECS[key] as TableSpec<PlainRow>, diff, ctx);
    rowsWritten += written.rowsWritten;
    changes.push(...written.changes);
  }
  rowsWritten += await insertChangeLog(db, changes);
  return { rowsWritten, changes: changes.length, fingerprints: plan.fingerprints };
}

/**
 * Compares `next` with the stored fingerprints table by table; fetches the stored versions of the
 * rows that changed or vanished (for the change log); writes the differences and their log.
 */
export async function writeVcenterRows(db: Db, stored: VcenterFingerprints, next: VcenterRows, ctx: ChangeLogContext): Promise<VcenterWriteResult> {
  return applyVcenterWrite(db, await planVcenterWrite(db, stored, next), ctx);
}
