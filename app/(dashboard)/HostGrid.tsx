import Link from 'next/link';
import type { OverviewView } from '@/lib/overview/overview';
import { Card } from '@/components/common/Card';

const STATE_CLASS = { READY: 'cell-ready', BLOCKED: 'cell-blocked', unknown: 'cell-unknown' } as const;

/**
 * Every host as a small square, coloured by its reboot verdict (from stored data), one row per
 * cluster. The colour repeats the text: each square is a link named "host: verdict — reason".
 */
export function HostGrid({ hosts }: { hosts: OverviewView['hosts'] }) {
  const { counts } = hosts;
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
      <div className="host-grid">
        {hosts.clusters.map((c) => (
          <div key={c.id ?? c.name} className="host-grid-row" data-testid={`cluster-${c.name}`}>
            <p className="host-grid-name">
              {c.id ? <Link href={`/hosts?cluster=${encodeURIComponent(c.id)}`}>{c.name}</Link> : c.name}
              <span className="muted">
                {' '}
                {c.counts.READY}/{c.hosts.length} ready{c.counts.BLOCKED > 0 ? `, ${c.counts.BLOCKED} blocked` : ''}
                {c.counts.unknown > 0 ? `, ${c.counts.unknown} unknown` : ''}
              </span>
            </p>
            <ul className="host-cells">
              {c.hosts.map(([id, name, state, reason]) => (
                <li key={id}>
                  <Link
                    href={`/hosts/${encodeURIComponent(id)}`}
                    className={`host-cell ${STATE_CLASS[state]}`}
                    title={`${name}: ${state}${reason ? ` — ${reason}` : ''}`}
                    aria-label={`${name}: ${state}${reason ? ` — ${reason}` : ''}`}
                    data-state={state}
                    data-host={name}
                  />
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </Card>
  );
}
