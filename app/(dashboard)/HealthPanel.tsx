'use client';

// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { HealthReport } from '@/lib/health/status';
import { Card } from '@/components/common/Card';
import { LoadState } from '@/components/common/LoadState';
import { useHealth } from '@/components/queries/use-health';
import { useHydratedResult } from '@/components/queries/use-hydrated-result';

const WORKER_TEXT: Record<HealthReport['worker']['status'], string> = {
  alive: 'alive',
  stale: 'not beating — is the worker process running?',
  absent: 'never started',
  unknown: 'unknown (database unreachable)',
};

export function HealthPanel() {
  // The overview streams in after the shell, whose health banner may have fetched this already.
  const { data, error, isPending } = useHydratedResult(useHealth());
  return (
    <Card title="Keywatch itself" busy={isPending}>
      <LoadState loading={isPending} error={error && !data ? 'The Keywatch server does not answer.' : null} loadingText="Checking Keywatch itself…">
        {data && (
          <dl className="facts">
            <dt>Database</dt>
            <dd data-testid="health-database" className={data.database.status === 'ok' ? 'good' : 'bad'}>
              {data.database.status === 'ok' ? `ok (${data.database.latencyMs} ms)` : `error: ${data.database.error}`}
            </dd>
            <dt>Worker</dt>
            <dd data-testid="health-worker" className={data.worker.status === 'alive' ? 'good' : 'bad'}>
              {WORKER_TEXT[data.worker.status] ?? data.worker.status}
            </dd>
          </dl>
        )}
      </LoadState>
    </Card>
  );
}
