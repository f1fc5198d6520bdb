'use client';

import type { ReactNode } from 'react';
import { FilterBar, type FilterField } from './FilterBar';
import { errorText } from './LoadState';
import type { SortState } from './use-table-url-state';

export interface Column<Row> {
  id: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** The server can sort by this column (its id is the sort key). */
  sortable?: boolean;
  className?: string;
}

/** Numbered pages of a known total (hosts), or "older rows" after a cursor (the audit log). */
export type Pagination =
  | { kind: 'pages'; page: number; pageSize: number; total: number; onPage: (page: number) => void }
  | { kind: 'more'; hasMore: boolean; loadingMore: boolean; onMore: () => void; label?: string };

export interface DataTableProps<Row> {
  /** Names the table for assistive technology (a visually hidden caption). */
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[] | undefined;
  rowKey: (row: Row) => string;
  rowTestId?: (row: Row) => string;
  /** data-* attributes of a row (state a test or a style can key on, e.g. data-state). */
  rowData?: (row: Row) => Record<`data-${string}`, string>;
  /** Omitted for rows that are already in hand (a part of a page's data). */
  loading?: boolean;
  error?: unknown;
  emptyText?: ReactNode;
  sort?: SortState | null;
  onSort?: (columnId: string) => void;
  filters?: { fields: readonly FilterField[]; values: Record<string, string>; onChange: (name: string, value: string) => void };
  pagination?: Pagination;
  /** A refresh is under way while the previous rows stay on screen. */
  refreshing?: boolean;
  /** Tighter cells, for a small table inside a card. */
  compact?: boolean;
  testId?: string;
}

/** A cell's text, in the "bad" colour when `bad` holds (a down node, an unmounted disk group); `title` adds the evidence on hover. */
export function FlaggedText({ bad, title, children }: { bad: boolean; title?: string; children: ReactNode }) {
  return (
    <span className={bad ? 'bad' : undefined} title={title}>
      {children}
    </span>
  );
}

const ARIA_SORT = { asc: 'ascending', desc: 'descending' } as const;

/**
 * The one table: server-side sorting, filtering and paging are the page's (rows arrive sorted and
 * cut); the table shows them, its headers sort, and loading / empty / error take the body's place
 * so the headers and the filters never jump.
 */
export function DataTable<Row>({ caption, columns, rows, rowKey, rowTestId, rowData, loading, error, emptyText = 'Nothing matches.', sort, onSort, filters, pagination, refreshing, compact, testId }: DataTableProps<Row>) {
  const stateRow = (content: ReactNode, className = '') => (
    <tr>
      <td className={`state-row ${className}`} colSpan={columns.length}>
        {content}
      </td>
    </tr>
  );
  let body: ReactNode;
  if (error && !rows?.length) body = stateRow(<span role="alert">{errorText(error)}</span>, 'error');
  else if (loading && !rows) body = stateRow(<span role="status"><span className="spinner" aria-hidden />Loading…</span>);
  else if (!rows || rows.length === 0) body = stateRow(emptyText);
  else {
    body = rows.map((row) => (
      <tr key={rowKey(row)} data-testid={rowTestId?.(row)} {...rowData?.(row)}>
        {columns.map((column) => (
          <td key={column.id} className={column.className}>
            {column.cell(row)}
          </td>
        ))}
      </tr>
    ));
  }

  return (
    <div className="data-table-block">
      {filters && <FilterBar fields={filters.fields} values={filters.values} onChange={filters.onChange} label={`Filter ${caption.toLowerCase()}`} />}
      {/* Focusable so that keyboard users can scroll a wide table sideways. */}
      <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
        <table className={compact ? 'data-table compact' : 'data-table'} data-testid={testId} aria-busy={loading || refreshing || undefined}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((column) => {
                const sorted = sort?.by === column.id ? sort.dir : undefined;
                return (
                  <th key={column.id} scope="col" className={column.className} aria-sort={column.sortable ? (sorted ? ARIA_SORT[sorted] : 'none') : undefined}>
                    {column.sortable && onSort ? (
                      <button type="button" className="sort" onClick={() => onSort(column.id)}>
                        {column.header}
                        <span className="sort-mark" aria-hidden>
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                        </span>
                      </button>
                    ) : (
                      column.header
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>{body}</tbody>
        </table>
      </div>
      {error && rows?.length ? (
        <p className="bad" role="alert">
          {errorText(error)}
        </p>
      ) : null}
      {pagination && <TableFooter pagination={pagination} shown={rows?.length ?? 0} />}
    </div>
  );
}

function TableFooter({ pagination, shown }: { pagination: Pagination; shown: number }) {
  if (pagination.kind === 'more') {
    if (!pagination.hasMore) return null;
    return (
      <div className="table-footer">
        <button type="button" className="secondary" onClick={pagination.onMore} disabled={pagination.loadingMore}>
          {pagination.loadingMore ? 'Loading…' : (pagination.label ?? 'More')}
        </button>
      </div>
    );
  }
  const { page, pageSize, total, onPage } = pagination;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  return (
    <div className="table-footer">
      <span aria-live="polite">
        {total === 0 ? 'No rows' : `Rows ${first.toLocaleString()}–${(first + shown - 1).toLocaleString()} of ${total.toLocaleString()}`}
      </span>
      <nav className="pager" aria-label="Pages">
        <button type="button" className="secondary" onClick={() => onPage(page - 1)} disabled={page <= 1}>
          Previous
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button type="button" className="secondary" onClick={() => onPage(page + 1)} disabled={page >= pages}>
          Next
        </button>
      </nav>
    </div>
  );
}
