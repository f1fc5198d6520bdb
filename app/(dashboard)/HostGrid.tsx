'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { KeyboardEvent, MouseEvent } from 'react';
import type { OverviewView } from '@/lib/overview/overview';
import { Card } from '@/components/common/Card';

const STATE_CLASS = { READY: 'cell-ready', BLOCKED: 'cell-blocked', unknown: 'cell-unknown' } as const;

/**
 * A plain click on a cell navigates inside the app; modified clicks (new tab) stay the browser's.
 * One handler for the whole grid instead of 2,500 Link components: a Link each would hydrate 2,500
 * components and prefetch every host page in view.
 */
function useCellNavigation() {
  const router = useRouter();
  return (event: MouseEvent<HTMLElement>) => {
    const cell = (event.target as Element).closest('a.host-cell');
    if (!cell || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    router.push(cell.getAttribute('href')!);
  };
}

/**
 * One tab stop for the whole grid (2,500 cells would be 2,500 Tab presses to get past it): arrow keys
 * move between cells — left / right along a cluster's row, up / down to the neighbouring cluster, Home /
 * End to its ends — and Enter opens the focused host. The roving tab stop is moved in the DOM directly,
 * not through React state, so a key press does not re-render 2,500 cells.
 */
function moveFocus(event: KeyboardEvent<HTMLElement>) {
  const cell = (event.target as Element).closest<HTMLAnchorElement>('a.host-cell');
  if (!cell) return;
  const row = cell.parentElement!;
  const rowCells = [...row.querySelectorAll<HTMLAnchorElement>('a.host-cell')];
  const at = rowCells.indexOf(cell);
  const rows = [...event.currentTarget.querySelectorAll<HTMLElement>('.host-cells')];
  const rowAt = rows.indexOf(row);
  const inRow = (r: HTMLElement | undefined, i: number) => {
    const list = r ? [...r.querySelectorAll<HTMLAnchorElement>('a.host-cell')] : [];
    return list[Math.min(i, list.length - 1)];
  };
  const next = {
    ArrowRight: rowCells[at + 1],
    ArrowLeft: rowCells[at - 1],
    ArrowDown: inRow(rows[rowAt + 1], at),
    ArrowUp: inRow(rows[rowAt - 1], at),
    Home: rowCells[0],
    End: rowCells[rowCells.length - 1],
  }[event.key];
  if (!next) return;
  event.preventDefault();
  focusCell(next);
}

function focusCell(cell: HTMLAnchorElement) {
  cell.closest('.host-grid')?.querySelectorAll<HTMLAnchorElement>('a.host-cell[tabindex="0"]').forEach((c) => c.setAttribute('tabindex', '-1'));
  cell.setAttribute('tabindex', '0');
  cell.focus();
}

/**
 * Every host as a small square, coloured by its reboot verdict (from stored data), one row per
 * cluster. The colour repeats the text: each square is a link named (title) "host: verdict — reason".
 */
export function HostGrid({ hosts }: { hosts: OverviewView['hosts'] }) {
  const { counts } = hosts;
  const navigate = useCellNavigation();
  return (
    <Card
      title="Hosts: can they reboot?"
      testId="overview-hosts"
      actions={
        <p className="host-grid-legend" data-testid="host-counts">
          <span className="legend cell-ready">{counts.READY} READY</span>
          <span className="legend cell-blocked">{counts.BLOCKED} BLOCKED</span>
          <span className="legend cell-unknown">{counts.unknown} unknown</span>
        </p>
      }
    >
      {hosts.clusters.length === 0 && <p className="empty">No hosts yet: they appear once a vCenter is polled.</p>}
      <p id="host-grid-keys" className="visually-hidden">
        One stop for the whole grid: arrow keys move between hosts, Enter opens one.
      </p>
      <div
        className="host-grid"
        onClick={navigate}
        onKeyDown={moveFocus}
        onFocus={(e) => {
          if (e.target instanceof HTMLAnchorElement && e.target.classList.contains('host-cell')) focusCell(e.target);
        }}
        aria-describedby="host-grid-keys"
      >
        {hosts.clusters.map((c, row) => (
          <div key={c.id ?? c.name} className="host-grid-row" data-testid={`cluster-${c.name}`}>
            <p className="host-grid-name">
              {c.id ? (
                <Link href={`/hosts?cluster=${encodeURIComponent(c.id)}`} prefetch={false}>
                  {c.name}
                </Link>
              ) : (
                c.name
              )}
              <span className="muted">
                {' '}
                {c.counts.READY}/{c.hosts.length} ready{c.counts.BLOCKED > 0 ? `, ${c.counts.BLOCKED} blocked` : ''}
                {c.counts.unknown > 0 ? `, ${c.counts.unknown} unknown` : ''}
              </span>
            </p>
            <div className="host-cells">
              {c.hosts.map(([id, name, state, reason], i) => (
                <a
                  key={id}
                  href={`/hosts/${encodeURIComponent(id)}`}
                  tabIndex={row === 0 && i === 0 ? 0 : -1}
                  className={`host-cell ${STATE_CLASS[state]}`}
                  title={`${name}: ${state}${reason ? ` — ${reason}` : ''}`}
                  data-state={state}
                  data-host={name}
                />
              ))}
            </div>
          </div>
        ))}
      </div>
    </Card>
  );
}
