'use client';

import Link from 'next/link';
import { Badge, StatusBadge } from '@/components/common/Badge';
import { DataTable, type Column } from '@/components/common/DataTable';
import type { FilterField } from '@/components/common/FilterBar';
import { useTableUrlState } from '@/components/common/use-table-url-state';
import { HOSTS_PAGE_SIZE, useHosts } from '@/components/queries/use-hosts';
// Type-only: erased at build, so the client bundle does not pull in the server query module.
import type { HostListRow } from '@/lib/observations/hosts-view';

const FILTER_NAMES = ['q', 'cluster', 'verdict', 'connection', 'cryptoState'] as const;

const STATIC_FILTERS: readonly FilterField[] = [
  {
    name: 'verdict',
    label: 'Reboot verdict',
    type: 'select',
    options: [
      ['', 'any'],
      ['BLOCKED', 'BLOCKED'],
      ['unknown', 'unknown'],
      ['READY', 'READY'],
    ],
  },
  {
    name: 'connection',
    label: 'Connection',
    type: 'select',
    options: [
      ['', 'any'],
      ['connected', 'connected'],
      ['notResponding', 'not responding'],
      ['disconnected', 'disconnected'],
    ],
  },
  {
    name: 'cryptoState',
    label: 'Crypto state',
    type: 'select',
    options: [['', 'any'], ...(['safe', 'prepared', 'incapable', 'pendingIncapable', 'unknown'] as const).map((s) => [s, s] as const)],
  },
];

const COLUMNS: readonly Column<HostListRow>[] = [
  {
    id: 'name',
    header: 'Host',
    sortable: true,
    cell: (h) => (
      <>
        {/* 50 rows would prefetch 50 host pages on every filter change: open one when asked. */}
        <Link href={`/hosts/${encodeURIComponent(h.id)}`} prefetch={false}>
          {h.name}
        </Link>
        {h.inMaintenanceMode ? <Badge plain>maintenance</Badge> : null}
      </>
    ),
  },
  {
    id: 'verdict',
    header: 'Reboot verdict',
    sortable: true,
    className: 'verdict',
    cell: (h) => (
      <>
        <StatusBadge status={h.verdict.state} />
        {h.verdict.reason ? <span className="muted verdict-reason"> {h.verdict.reason}</span> : null}
      </>
    ),
  },
  { id: 'cluster', header: 'Cluster', sortable: true, cell: (h) => h.cluster?.name ?? '—' },
  { id: 'connection', header: 'Connection', sortable: true, cell: (h) => h.connectionState },
  { id: 'cryptoState', header: 'Crypto state', sortable: true, cell: (h) => h.cryptoState ?? 'unknown' },
  {
    id: 'diskGroups',
    header: 'Disk groups',
    cell: (h) =>
      h.diskGroups.total === 0 ? '—' : h.diskGroups.unmounted > 0 ? <span className="bad">{`${h.diskGroups.unmounted} of ${h.diskGroups.total} unmounted`}</span> : `${h.diskGroups.total} mounted`,
  },
  {
    id: 'vms',
    header: 'Encrypted VMs',
    cell: (h) => (h.vms.locked > 0 ? <span className="bad">{`${h.vms.encrypted} (${h.vms.locked} locked)`}</span> : String(h.vms.encrypted)),
  },
];

/** Every stored host: the server filters, sorts and pages; the view lives in the URL (shareable, kept on reload). */
export function HostsTable() {
  const url = useTableUrlState({ filters: FILTER_NAMES, defaultSort: { by: 'name', dir: 'asc' } });
  const sort = url.sort ?? { by: 'name', dir: 'asc' };
  const query = useHosts({ ...url.filters, sort: sort.dir === 'desc' ? `-${sort.by}` : sort.by, page: url.page });
  const clusterOptions = (query.data?.clusters ?? []).map((c) => [c.id, c.name] as const);
  // A cluster in the URL that the list does not (yet) name still shows as chosen.
  if (url.filters.cluster && !clusterOptions.some(([id]) => id === url.filters.cluster)) clusterOptions.unshift([url.filters.cluster, url.filters.cluster]);
  const fields: readonly FilterField[] = [
    { name: 'q', label: 'Name', type: 'text', placeholder: 'part of the host name' },
    { name: 'cluster', label: 'Cluster', type: 'select', options: [['', 'all'], ...clusterOptions] },
    ...STATIC_FILTERS,
  ];
  const filtered = FILTER_NAMES.some((name) => url.filters[name]);
  return (
    <DataTable
      caption="Hosts"
      testId="hosts-table"
      columns={COLUMNS}
      rows={query.data?.hosts}
      rowKey={(h) => h.id}
      rowTestId={(h) => `host-row-${h.name}`}
      loading={query.isPending}
      refreshing={query.isPlaceholderData}
      error={query.error}
      emptyText={filtered ? 'No host matches these filters.' : 'No hosts recorded yet. Hosts appear here once the worker has polled a vCenter.'}
      sort={sort}
      onSort={url.toggleSort}
      filters={{ fields, values: url.filters, onChange: (name, value) => url.setFilter(name as (typeof FILTER_NAMES)[number], value) }}
      pagination={{ kind: 'pages', page: url.page, pageSize: HOSTS_PAGE_SIZE, total: query.data?.total ?? 0, onPage: url.setPage }}
    />
  );
}
