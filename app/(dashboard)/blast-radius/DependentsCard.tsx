import type { BlastRadiusView } from '@/lib/blast-radius/blast-radius';
import { Badge } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';
import { DataTable, type Column } from '@/components/common/DataTable';

type DependentNode = BlastRadiusView['providers'][number]['nodes'][number];

const NODE_COLUMNS: readonly Column<DependentNode>[] = [
  { id: 'node', header: 'Node', cell: (n) => n.endpoint },
  { id: 'now', header: 'Now', cell: (n) => <Badge tone={n.reachable ? 'good' : 'bad'}>{n.reachable ? 'up' : 'down'}</Badge> },
  {
    id: 'sole',
    header: 'Only holder of',
    cell: (n) => (n.soleHolderOf === 0 ? 'no key: the other nodes hold them all' : `${n.soleHolderOf} key(s), used by ${n.soleHolderHosts.join(', ')}`),
  },
];

export function DependentsCard({ providers }: { providers: BlastRadiusView['providers'] }) {
  return (
    <Card title="Who depends on what" testId="dependents">
      {providers.length === 0 && <p className="empty">No key providers yet: they appear once a vCenter is polled.</p>}
      {providers.map((p) => (
        <div key={p.id} className="provider-block" data-testid={`dependents-${p.id}`}>
          <p className="provider-head">
            <strong>{p.id}</strong> <span className="muted">{p.kind}</span>
          </p>
          <p>
            {`${p.hosts} host(s), ${p.diskGroups} encrypted disk group(s), ${p.vms} encrypted VM(s), ${p.keys} key(s)`}
            {p.clusters.length > 0 ? ` · vSAN clusters: ${p.clusters.map((c) => c.name).join(', ')}` : ''}
          </p>
          {p.nodes.length > 0 && <DataTable compact caption={`KMS nodes of ${p.id}`} columns={NODE_COLUMNS} rows={p.nodes} rowKey={(n) => n.endpoint} />}
        </div>
      ))}
    </Card>
  );
}
