/**
 * Applies a TableDiff to PostgreSQL and records it in the change log. Rows go in as one JSON
 * parameter per statement (json_populate_recordset): a first cycle of 40,000 VMs is a handful of
 * statements, not 40,000 round trips, and no statement nears PostgreSQL's parameter limit.
 */
import type { PrismaClient } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { diffSize, type TableDiff } from './table-diff';

export type Db = PrismaClient | Prisma.TransactionClient;

/** Tables the observation store writes; their names are the Prisma model names. */
export type ObservationTable =
  | 'VcCluster'
  | 'VcHost'
  | 'VcDiskGroup'
  | 'VcDatastore'
  | 'VcDatastoreMount'
  | 'VcVm'
  | 'VcVmDisk'
  | 'VcKeyProvider'
  | 'VcHostProviderHealth'
  | 'VcKey'
  | 'KmsNodeState'
  | 'KmsNodeKey'
  | 'OsCloudState'
  | 'OsRow'
  | 'OsSecret';

export interface TableSpec<R> {
  table: ObservationTable;
  /** Entity type in the change log. */
  entityType: string;
  /** False for link tables without a changedAt column. */
  hasChangedAt: boolean;
  /** Name shown in the change log. */
  nameOf(row: R): string | null;
}

export interface ChangeLogContext {
  now: Date;
  targetId: string;
  /** False for a target's first cycle: logging 40,000 "added" rows would only copy the inventory. */
  logChanges: boolean;
}

export interface ChangeRecord {
  at: Date;
  targetId: string;
  entityType: string;
  entityId: string;
  entityName: string | null;
  change: 'added' | 'removed' | 'changed';
  field: string | null;
  oldValue: string | null;
  newValue: string | null;
}

const INSERT_CHUNK = 5000;

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** INSERT of plain rows (every row has the same keys) in chunks, through one JSON parameter each. */
export async function insertRows(db: Db, table: string, rows: readonly Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(rows[0]!).map(quote).join(', ');
  let count = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    count += await db.$executeRawUnsafe(
      `INSERT INTO ${quote(table)} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${quote(table)}, $1::json)`,
      JSON.stringify(chunk),
    );
  }
  return count;
}

export async function deleteRows(db: Db, table: string, ids: readonly string[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    count += await db.$executeRawUnsafe(`DELETE FROM ${quote(table)} WHERE "id" = ANY($1::text[])`, ids.slice(i, i + INSERT_CHUNK));
  }
  return count;
}

/**
 * Writes one table's diff: removed and changed rows are deleted, added and changed rows inserted
 * (a changed row is rewritten whole: two statements for any number of changes). Returns the rows
 * written and the change-log records, which the caller inserts with the rest of the cycle.
 */
export async function writeTableDiff<R extends { id: string }>(
  db: Db,
  spec: TableSpec<R>,
  diff: TableDiff<R>,
  ctx: ChangeLogContext,
): Promise<{ rowsWritten: number; changes: ChangeRecord[] }> {
  if (diffSize(diff) === 0) return { rowsWritten: 0, changes: [] };
  await deleteRows(db, spec.table, [...diff.removed.map((r) => r.id), ...diff.changed.map((c) => c.after.id)]);
  const stamp = (row: R): Record<string, unknown> => {
    const plain: Record<string, unknown> = { ...row };
    if (spec.hasChangedAt) plain.changedAt = ctx.now;
    return plain;
  };
  await insertRows(db, spec.table, [...diff.added.map(stamp), ...diff.changed.map((c) => stamp(c.after))]);

  const changes: ChangeRecord[] = [];
  if (ctx.logChanges) {
    const base = (row: R, change: ChangeRecord['change']) => ({
      at: ctx.now,
      targetId: ctx.targetId,
      entityType: spec.entityType,
      entityId: row.id,
      entityName: spec.nameOf(row),
      change,
    });
    for (const row of diff.added) changes.push({ ...base(row, 'added'), field: null, oldValue: null, newValue: null });
    for (const row of diff.removed) changes.push({ ...base(row, 'removed'), field: null, oldValue: null, newValue: null });
    for (const c of diff.changed) {
      for (const field of c.fields) {
        changes.push({
          ...base(c.after, 'changed'),
          field,
          oldValue: text((c.before as Record<string, unknown>)[field]),
          newValue: text((c.after as Record<string, unknown>)[field]),
        });
      }
    }
  }
  return { rowsWritten: diffSize(diff), changes };
}

export async function insertChangeLog(db: Db, changes: readonly ChangeRecord[]): Promise<number> {
  return insertRows(db, 'ObservationChange', changes as unknown as Record<string, unknown>[]);
}
