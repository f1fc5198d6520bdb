/**
 * Applies a TableDiff to PostgreSQL and records it in the change log. Rows go in column-wise: one
 * text array per column, `INSERT … SELECT FROM unnest($1::text[], …)` with each column cast to its
 * type. A first cycle of 40,000 VMs is a handful of statements, not 40,000 round trips; no
 * statement nears PostgreSQL's parameter limit; and PostgreSQL parses plain arrays faster than the
 * JSON recordset this replaced (measured ≈ 25 % less server time on 40,000 VM rows).
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

/** Column name → SQL type of each table written, read once per process from the catalog. */
const columnTypes = new Map<string, Promise<Map<string, string>>>();

function typesOf(db: Db, table: string): Promise<Map<string, string>> {
  let types = columnTypes.get(table);
  if (!types) {
    types = db
      .$queryRawUnsafe<{ name: string; type: string }[]>(
        `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
        quote(table),
      )
      .then((rows) => new Map(rows.map((r) => [r.name, r.type])));
    // A failed look-up (e.g. inside an aborted transaction) is not remembered.
    types.catch(() => columnTypes.delete(table));
    columnTypes.set(table, types);
  }
  return types;
}

/**
 * INSERT of plain rows (every row has the same keys; `constants` are columns with one value for
 * every row, e.g. changedAt) in chunks. Values are sent as text (dates as ISO strings) and cast
 * by PostgreSQL to the column's type, so no driver's idea of dates or time zones is involved.
 */
export async function insertRows(db: Db, table: string, rows: readonly Record<string, unknown>[], constants: Record<string, unknown> = {}): Promise<number> {
  if (rows.length === 0) return 0;
  const types = await typesOf(db, table);
  const rowColumns = Object.keys(rows[0]!).filter((c) => !(c in constants));
  const constantColumns = Object.keys(constants);
  const typeOf = (column: string): string => {
    const type = types.get(column);
    if (!type) throw new Error(`Table ${table} has no column ${column}.`);
    return type;
  };
  const select = [
    ...rowColumns.map((c, i) => `u.c${i}::${typeOf(c)}`),
    ...constantColumns.map((c, i) => `$${rowColumns.length + i + 1}::text::${typeOf(c)}`),
  ].join(', ');
  const sql =
    `INSERT INTO ${quote(table)} (${[...rowColumns, ...constantColumns].map(quote).join(', ')}) ` +
    `SELECT ${select} FROM unnest(${rowColumns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${rowColumns.map((_, i) => `c${i}`).join(', ')})`;
  const constantValues = constantColumns.map((c) => text(constants[c]));
  let count = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const end = Math.min(rows.length, i + INSERT_CHUNK);
    const arrays = rowColumns.map((c) => {
      const values: (string | null)[] = new Array(end - i);
      for (let r = i; r < end; r++) values[r - i] = text(rows[r]![c]);
      return values;
    });
    count += await db.$executeRawUnsafe(sql, ...arrays, ...constantValues);
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
  // changedAt goes in as one constant per statement rather than as a stamped copy of every row.
  const rows: Record<string, unknown>[] = diff.changed.length === 0 ? diff.added : [...diff.added, ...diff.changed.map((c) => c.after)];
  await insertRows(db, spec.table, rows, spec.hasChangedAt ? { changedAt: ctx.now } : {});

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
