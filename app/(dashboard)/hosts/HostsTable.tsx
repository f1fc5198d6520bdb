'use client';

import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import type { HostFilters } from '@/components/queries/keys';
import { useHosts } from '@/components/queries/use-hosts';

const FILTER_KEYS = ['cluster', 'connection', 'cryptoState', 'q'] as const;

/** Filters live in the URL (shareable, kept on reload); the server filters and paginates. */
function useUrlFilters(): [HostFilters, (next: Partial<HostFilters>) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters: HostFilters = { cluster: params.get('cluster') ?? '', connection: params.get('connection') ?? '', cryptoState: params.get('cryptoState') ?? '', q: params.get('q') ?? '' };
  const set = (next: Partial<HostFilters>) => {
    const merged = { ...filters, ...next };
    const search = new URLSearchParams();
    for (const k of FILTER_KEYS) if (merged[k]) search.set(k, merged[k]);
    const qs = search.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  return [filters, set];
}

export function HostsTable() {
  const [filters, setFilters] = useUrlFilters();
  const [search, setSearch] = useState(filters.q);
  const hosts = useHosts(filters);
  // Name search is sent after typing pauses, not per keystroke.
  useEffect(() => {
    if (search === filters.q) return;
    const t = setTimeout(() => setFilters({ q: search.trim() }), 300);
    return () => clearTimeout(t);
  });
  const rows = hosts.data?.pages.flatMap((p) => p.hosts) ?? [];
  const clusters = new Map(rows.filter((h) => h.cluster).map((h) => [h.cluster!.id, h.cluster!.name]));
  return (
    <>
      <div className="toolbar" role="search">
        <label>
          Name <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="part of the host name" />
        </label>
        <label>
          Cluster{' '}
          <select value={filters.cluster} onChange={(e) => setFilters({ cluster: e.target.value })}>
            <option value="">All</option>
            {filters.cluster && !clusters.has(filters.cluster) ? <option value={filters.cluster}>{filters.cluster}</option> : null}
            {[...clusters].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Connection{' '}
          <select value={filters.connection} onChange={(e) => setFilters({ connection: e.target.value })}>
            <option value="">All</option>
            <option value="connected">connected</option>
            <option value="notResponding">not responding</option>
            <option value="disconnected">disconnected</option>
          </select>
        </label>
        <label>
          Crypto state{' '}
          <select value={filters.cryptoState} onChange={(e) => setFilters({ cryptoState: e.target.value })}>
            <option value="">All</option>
            {['safe', 'prepared', 'incapable', 'pendingIncapable', 'unknown'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {hosts.isPending ? (
        <p className="loading">Loading hosts…</p>
      ) : hosts.isError ? (
        <p className="form-error" role="alert">{`Cannot load hosts: ${hosts.error.message}`}</p>
      ) : rows.length === 0 ? (
        <p className="empty">{FILTER_KEYS.some((k) => filters[k]) ? 'No host matches these filters.' : 'No hosts recorded yet. Hosts appear here once the worker has polled a vCenter.'}</p>
      ) : (
        <>
          <table className="data-table">
            <thead>
              <tr>
                <th>Host</th>
                <th>Cluster</th>
                <th>Connection</th>
                <th>Crypto state</th>
                <th>Disk groups</th>
                <th>Encrypted VMs</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((h) => (
                <tr key={h.id}>
                  <td>
                    <Link href={`/hosts/${encodeURIComponent(h.id)}`}>{h.name}</Link>
                    {h.inMaintenanceMode ? <span className="badge">maintenance</span> : null}
                  </td>
                  <td>{h.cluster?.name ?? '—'}</td>
                  <td>{h.connectionState}</td>
                  <td>{h.cryptoState ?? 'unknown'}</td>
                  <td className={h.diskGroups.unmounted > 0 ? 'bad' : undefined}>{h.diskGroups.total === 0 ? '—' : h.diskGroups.unmounted > 0 ? `${h.diskGroups.unmounted} of ${h.diskGroups.total} unmounted` : `${h.diskGroups.total} mounted`}</td>
                  <td className={h.vms.locked > 0 ? 'bad' : undefined}>{h.vms.locked > 0 ? `${h.vms.encrypted} (${h.vms.locked} locked)` : String(h.vms.encrypted)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {hosts.hasNextPage ? (
            <button type="button" onClick={() => void hosts.fetchNextPage()} disabled={hosts.isFetchingNextPage}>
              {hosts.isFetchingNextPage ? 'Loading…' : 'More hosts'}
            </button>
          ) : null}
        </>
      )}
    </>
  );
}
