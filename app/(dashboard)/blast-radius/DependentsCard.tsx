import type { BlastRadiusView } from '@/lib/blast-radius/blast-radius';
import { Badge } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';

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
          {p.nodes.length > 0 && (
            <table className="data-table compact">
              <caption className="visually-hidden">KMS nodes of {p.id}</caption>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Now</th>
                  <th scope="col">Only holder of</th>
                </tr>
              </thead>
              <tbody>
                {p.nodes.map((n) => (
                  <tr key={n.endpoint}>
                    <td>{n.endpoint}</td>
                    <td>
                      <Badge tone={n.reachable ? 'good' : 'bad'}>{n.reachable ? 'up' : 'down'}</Badge>
                    </td>
                    <td>{n.soleHolderOf === 0 ? 'no key: the other nodes hold them all' : `${n.soleHolderOf} key(s), used by ${n.soleHolderHosts.join(', ')}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </Card>
  );
}
