'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { MouseEvent } from 'react';
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
      <div className="host-grid" onClick={navigate}>
        {hosts.clusters.map((c) => (
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
              {c.hosts.map(([id, name, state, reason]) => (
                <a
                  key={id}
                  href={`/hosts/${encodeURIComponent(id)}`}
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
