'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import { Badge, StatusBadge } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';
import { DataTable, type Column } from '@/components/common/DataTable';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { LabHostView, LabKmsNodeView, LabStateView, LabVmView } from '@/lib/lab-control/lab-state';

const NODE_COLUMNS: readonly Column<LabKmsNodeView>[] = [
  { id: 'id', header: 'Node', cell: (n) => n.id },
  { id: 'address', header: 'Listens on', cell: (n) => <code data-testid="node-address">{`${n.host}:${n.port}`}</code> },
  {
    id: 'registered',
    header: 'Registered port',
    cell: (n) => (n.registeredPort === null ? '—' : n.registeredPort === n.port ? String(n.registeredPort) : <Badge tone="bad">{`${n.registeredPort} (moved)`}</Badge>),
  },
  { id: 'status', header: 'Process', cell: (n) => <StatusBadge status={n.status} /> },
  {
    id: 'reachable',
    header: 'vCenter reaches it',
    cell: (n) => (n.reachable === null ? <Badge>unknown</Badge> : n.reachable ? <Badge tone="good">yes</Badge> : <Badge tone="bad" title={n.detail ?? undefined}>no</Badge>),
  },
  { id: 'faults', header: 'Faults', cell: (n) => (n.faults.length ? n.faults.join(', ') : '—') },
  { id: 'keys', header: 'Keys', cell: (n) => n.keyCount },
];

const HOST_COLUMNS: readonly Column<LabHostView>[] = [
  { id: 'name', header: 'Host', cell: (h) => `${h.name} (${h.id})` },
  { id: 'cluster', header: 'Cluster', cell: (h) => h.cluster ?? '—' },
  { id: 'phase', header: 'State', cell: (h) => (h.phase === 'up' ? h.powerState : h.phase) },
  { id: 'connection', header: 'vCenter connection', cell: (h) => h.connectionState },
  { id: 'crypto', header: 'Crypto state', cell: (h) => h.cryptoState ?? '—' },
  {
    id: 'disks',
    header: 'Disk groups',
    cell: (h) => (h.diskGroupsMounted ? <Badge tone="good">mounted</Badge> : <Badge tone="bad">not mounted</Badge>),
  },
  { id: 'boots', header: 'Boots', cell: (h) => h.bootCount ?? '—' },
  { id: 'error', header: 'Last key error', className: 'details', cell: (h) => h.lastKeyError ?? (h.kmsIsolated ? 'cut off from the KMS' : '—') },
];

const VM_COLUMNS: readonly Column<LabVmView>[] = [
  { id: 'name', header: 'VM', cell: (v) => `${v.name} (${v.id})` },
  { id: 'host', header: 'Host', cell: (v) => v.hostId ?? '—' },
  { id: 'power', header: 'Power', cell: (v) => v.powerState },
  { id: 'reason', header: 'Why locked', className: 'details', cell: (v) => v.lockReason ?? '—' },
];

/** The lab's ground truth, as the fault buttons change it: KMS nodes, hosts, locked VMs. */
export function LabStateTables({ query }: { query: UseQueryResult<LabStateView> }) {
  const { data, error, isPending, isFetching } = query;
  const locked = data?.vms.filter((v) => v.cryptoState === 'locked');
  return (
    <>
      <Card
        title="What the lab looks like now"
        actions={data?.labFaults.length ? <Badge tone="warn" testId="lab-faults">{`Lab faults: ${data.labFaults.join(', ')}`}</Badge> : <Badge tone="good" testId="lab-faults">Lab faults: none</Badge>}
        testId="lab-state"
      >
        <h3>KMS nodes</h3>
        <DataTable
          caption="KMS nodes"
          columns={NODE_COLUMNS}
          rows={data?.kmsNodes}
          rowKey={(n) => n.id}
          rowTestId={(n) => `lab-node-${n.id}`}
          loading={isPending}
          refreshing={isFetching}
          error={error}
          emptyText="This lab runs without a KMS cluster."
        />
        <h3>Hosts</h3>
        <DataTable
          caption="Hosts"
          columns={HOST_COLUMNS}
          rows={data?.hosts}
          rowKey={(h) => h.id}
          rowTestId={(h) => `lab-host-${h.id}`}
          loading={isPending}
          refreshing={isFetching}
          error={error}
          emptyText="The lab has no hosts."
        />
        <h3>Locked VMs</h3>
        <DataTable
          caption="Locked VMs"
          columns={VM_COLUMNS}
          rows={locked}
          rowKey={(v) => v.id}
          loading={isPending}
          error={error}
          emptyText={data ? `None of the ${data.vmCount} VMs is locked.` : 'None.'}
        />
      </Card>
    </>
  );
}
