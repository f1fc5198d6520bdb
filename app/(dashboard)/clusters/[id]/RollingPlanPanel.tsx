'use client';

import Link from 'next/link';
import { Badge, StatusBadge, type Tone } from '@/components/common/Badge';
import { Banner } from '@/components/common/Banner';
import { Card } from '@/components/common/Card';
import { DataTable, type Column } from '@/components/common/DataTable';
import { LoadState } from '@/components/common/LoadState';
import { useRollingPlan } from '@/components/queries/use-rolling-plan';
import type { PlanState } from '@/lib/readiness/rolling-plan';

const STATE: Record<PlanState, { tone: Tone; label: string }> = {
  'in-progress': { tone: 'warn', label: 'in progress' },
  next: { tone: 'good', label: 'next' },
  waiting: { tone: 'neutral', label: 'waiting' },
  blocked: { tone: 'bad', label: 'blocked' },
};

type PlanHost = NonNullable<ReturnType<typeof useRollingPlan>['data']>['hosts'][number];

const PLAN_COLUMNS: readonly Column<PlanHost>[] = [
  { id: 'step', header: 'Step', cell: (h) => h.step ?? '—' },
  { id: 'host', header: 'Host', cell: (h) => <Link href={`/hosts/${encodeURIComponent(h.hostId)}`}>{h.hostName}</Link> },
  { id: 'state', header: 'State', cell: (h) => <Badge tone={STATE[h.state].tone}>{STATE[h.state].label}</Badge> },
  { id: 'verdict', header: 'Verdict', cell: (h) => <StatusBadge status={h.verdict} /> },
  { id: 'why', header: 'Why', cell: (h) => h.reason },
  { id: 'vms', header: 'Encrypted VMs', cell: (h) => h.encryptedVms },
];

/**
 * The rolling plan: one live readiness check per host, the order to patch them in, the one host that
 * may go now, why the others wait, and what must be fixed before the blocked ones can go.
 */
export function RollingPlanPanel({ clusterId }: { clusterId: string }) {
  const plan = useRollingPlan(clusterId);
  const data = plan.data;
  return (
    <Card
      title="Rolling plan"
      busy={plan.isFetching}
      testId="rolling-plan"
      actions={
        <button type="button" onClick={() => void plan.refetch()} disabled={plan.isFetching}>
          {plan.isFetching ? 'Checking every host…' : 'Run plan'}
        </button>
      }
    >
      <LoadState loading={plan.isPending} error={plan.error} loadingText="Checking every host of the cluster live…">
        {data && (
          <>
            <p data-testid="plan-next">
              {data.next ? (
                <>
                  <strong>{data.next.hostName}</strong> {data.hosts.find((h) => h.hostId === data.next!.hostId)?.state === 'in-progress' ? 'is being patched now.' : 'can go now.'}
                </>
              ) : (
                <strong>No host can go now.</strong>
              )}{' '}
              {`${data.ready} ready, ${data.blocked} blocked; checked ${new Date(data.checkedAt).toLocaleTimeString()} in ${data.durationMs} ms.`}
            </p>
            {data.warnings.map((w) => (
              <Banner key={w} tone="bad" title="Redundancy limit exceeded">
                {w}
              </Banner>
            ))}
            <DataTable
              caption="Hosts in patch order"
              testId="plan-table"
              columns={PLAN_COLUMNS}
              rows={data.hosts}
              rowKey={(h) => h.hostId}
              rowData={(h) => ({ 'data-host': h.hostName, 'data-state': h.state })}
            />
            {data.fixFirst.length > 0 && (
              <>
                <h3>Fix first</h3>
                <ul className="plan-fix-first" data-testid="plan-fix-first">
                  {data.fixFirst.map((f) => (
                    <li key={f.rule}>
                      <strong>{f.rule}</strong> ({f.hosts.join(', ')}): {f.remediation}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </LoadState>
    </Card>
  );
}
