import { describe, expect, it } from 'vitest';
import { diffTable } from './table-diff';

type R = { id: string; a: string | null; at?: Date | null; changedAt?: Date };

const map = (rows: R[]) => new Map(rows.map((r) => [r.id, r]));

describe('diffTable', () => {
  it('finds added, removed and changed rows and names the changed fields', () => {
    const stored = map([
      { id: '1', a: 'x' },
      { id: '2', a: 'y' },
      { id: '3', a: null, at: new Date(1000) },
    ]);
    const fresh = map([
      { id: '1', a: 'x' },
      { id: '3', a: 'z', at: new Date(1000) },
      { id: '4', a: 'w' },
    ]);
    const d = diffTable(stored, fresh);
    expect(d.added.map((r) => r.id)).toEqual(['4']);
    expect(d.removed.map((r) => r.id)).toEqual(['2']);
    expect(d.changed.map((c) => [c.after.id, c.fields])).toEqual([['3', ['a']]]);
  });

  it('treats equal dates, null and undefined as unchanged and ignores changedAt', () => {
    const d = diffTable(map([{ id: '1', a: null, at: new Date(5), changedAt: new Date(1) }]), map([{ id: '1', a: null, at: new Date(5) }]));
    expect(d).toEqual({ added: [], removed: [], changed: [] });
    expect(diffTable(map([{ id: '1', a: null, at: null }]), map([{ id: '1', a: null }])).changed).toEqual([]);
  });
});
