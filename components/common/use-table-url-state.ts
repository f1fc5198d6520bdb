'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';

export type SortDirection = 'asc' | 'desc';
export interface SortState {
  by: string;
  dir: SortDirection;
}

/**
 * A table's filters, sort and page kept in the URL's query (`?verdict=BLOCKED&sort=-name&page=2`),
 * so a filtered view can be bookmarked, shared and survives a reload. Changing a filter or the sort
 * goes back to page 1. `sort` is the column id, `-` in front for descending.
 */
export function useTableUrlState<F extends string>(options: { filters: readonly F[]; defaultSort?: SortState }) {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const { filters: names, defaultSort } = options;

  const filters = useMemo(
    () => Object.fromEntries(names.map((name) => [name, searchParams.get(name) ?? ''])) as Record<F, string>,
    [names, searchParams],
  );
  const sortParam = searchParams.get('sort');
  const sort: SortState | null = sortParam ? { by: sortParam.replace(/^-/, ''), dir: sortParam.startsWith('-') ? 'desc' : 'asc' } : (defaultSort ?? null);
  const page = Math.max(1, Math.floor(Number(searchParams.get('page'))) || 1);

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(searchParams.toString());
      for (const [name, value] of Object.entries(changes)) {
        if (value === null || value === '') next.delete(name);
        else next.set(name, value);
      }
      const query = next.toString();
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [pathname, router, searchParams],
  );

  return {
    filters,
    sort,
    page,
    setFilter: (name: F, value: string) => update({ [name]: value, page: null }),
    /** Sorts by a column; the same column again flips the direction. */
    toggleSort: (by: string) => {
      const dir: SortDirection = sort?.by === by && sort.dir === 'asc' ? 'desc' : 'asc';
      update({ sort: dir === 'desc' ? `-${by}` : by, page: null });
    },
    setPage: (next: number) => update({ page: next > 1 ? String(next) : null }),
  };
}
