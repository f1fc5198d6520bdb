'use client';

import { Badge } from '@/components/common/Badge';
import { DataTable, type Column } from '@/components/common/DataTable';
import type { FilterField } from '@/components/common/FilterBar';
import { useTableUrlState } from '@/components/common/use-table-url-state';
import { useAuditEvents } from '@/components/queries/use-audit-events';
// Type-only: erased at build, so the client bundle does not pull in the server query module.
import type { AuditEventView } from '@/lib/audit/query';

const FILTER_NAMES = ['action', 'actor', 'outcome'] as const;

const FILTER_FIELDS: readonly FilterField[] = [
  {
    name: 'action',
    label: 'Event type',
    type: 'select',
    options: [
      ['', 'all events'],
      ['auth.', 'sign-ins'],
      ['target.', 'target changes'],
      ['token.', 'token changes'],
      ['user.', 'user changes'],
      ['gate.', 'gate decisions'],
      ['host.', 'host actions'],
      ['override.', 'overrides'],
      ['alert.', 'acknowledgements'],
      ['campaign.', 'campaign steps'],
      ['lab.', 'lab faults'],
    ],
  },
  { name: 'actor', label: 'Actor', type: 'text', placeholder: 'user or token:name' },
  {
    name: 'outcome',
    label: 'Outcome',
    type: 'select',
    options: [
      ['', 'any'],
      ['success', 'success'],
      ['failure', 'failure'],
      ['denied', 'denied'],
    ],
  },
];

const COLUMNS: readonly Column<AuditEventView>[] = [
  { id: 'at', header: 'When', cell: (e) => new Date(e.at).toLocaleString() },
  {
    id: 'actor',
    header: 'Who',
    cell: (e) => (
      <>
        {e.actorName}
        {e.ip ? <span className="muted"> · {e.ip}</span> : null}
      </>
    ),
  },
  { id: 'action', header: 'What', cell: (e) => <code>{e.action}</code> },
  { id: 'outcome', header: 'Outcome', cell: (e) => <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge> },
  { id: 'target', header: 'On', cell: (e) => (e.targetType ? `${e.targetType}${e.targetId ? ` ${e.targetId.slice(0, 10)}` : ''}` : '—') },
  { id: 'details', header: 'Details', className: 'details', cell: (e) => (e.details ? JSON.stringify(e.details) : '') },
];

/** The audit log, newest first; filters live in the URL so a filtered view can be shared. */
export function AuditLogTable() {
  const url = useTableUrlState({ filters: FILTER_NAMES });
  const query = useAuditEvents(url.filters);
  const events = query.data?.pages.flatMap((p) => p.events);

  return (
    <DataTable
      caption="Audit events"
      testId="audit-table"
      columns={COLUMNS}
      rows={events}
      rowKey={(e) => e.id}
      loading={query.isPending}
      refreshing={query.isFetching}
      error={query.error}
      emptyText="No matching audit events."
      filters={{ fields: FILTER_FIELDS, values: url.filters, onChange: (name, value) => url.setFilter(name as (typeof FILTER_NAMES)[number], value) }}
      pagination={{ kind: 'more', hasMore: Boolean(query.hasNextPage), loadingMore: query.isFetchingNextPage, onMore: () => void query.fetchNextPage(), label: 'Older events' }}
    />
  );
}
