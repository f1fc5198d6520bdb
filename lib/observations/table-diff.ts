/**
 * Diff of one table's rows: what a fresh reading adds, removes and changes against what is
 * stored, compared in memory so that a cycle in which nothing changed writes nothing.
 */
export interface RowChange<R> {
  before: R;
  after: R;
  fields: string[];
}

export interface TableDiff<R> {
  added: R[];
  removed: R[];
  changed: RowChange<R>[];
}

/** Bookkeeping columns, never part of the comparison. */
const NOT_COMPARED = new Set(['id', 'changedAt']);

export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  return (a ?? null) === (b ?? null);
}

export function diffTable<R extends { id: string }>(stored: ReadonlyMap<string, R>, fresh: ReadonlyMap<string, R>): TableDiff<R> {
  const diff: TableDiff<R> = { added: [], removed: [], changed: [] };
  for (const [id, after] of fresh) {
    const before = stored.get(id);
    if (!before) {
      diff.added.push(after);
      continue;
    }
    const fields: string[] = [];
    for (const key of Object.keys(after)) {
      if (NOT_COMPARED.has(key)) continue;
      if (!sameValue((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key])) fields.push(key);
    }
    if (fields.length > 0) diff.changed.push({ before, after, fields });
  }
  for (const [id, before] of stored) if (!fresh.has(id)) diff.removed.push(before);
  return diff;
}

export function diffSize(diff: TableDiff<unknown>): number {
  return diff.added.length + diff.removed.length + diff.changed.length;
}
