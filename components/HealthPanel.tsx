'use client';

import { useQuery } from '@tanstack/react-query';
import type { HealthReport } from '@/lib/health/status';

async function fetchHealth(): Promise<HealthReport> {
  const response = await fetch('/api/health', { cache: 'no-store' });
  // 503 still carries a report; only a body we cannot read is an error.
  return (await response.json()) as HealthReport;
}

const WORKER_TEXT: Record<HealthReport['worker']['status'], string> = {
  alive: 'alive',
  stale: 'not beating — is the worker process running?',
  absent: 'never started',
  unknown: 'unknown (database unreachable)',
};

export function HealthPanel() {
  const { data, error, isPending } = useQuery({ queryKey: ['health'], queryFn: fetchHealth, refetchInterval: 5_000 });
  if (isPending) return <section className="card" aria-busy="true">Checking Keywatch itself…</section>;
  if (error || !data) return <section className="card bad">The Keywatch server does not answer.</section>;
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Keywatch itself</h2>
      <dl className="facts">
        <dt>Database</dt>
        <dd data-testid="health-database" className={data.database.status === 'ok' ? 'good' : 'bad'}>
          {data.database.status === 'ok' ? `ok (${data.database.latencyMs} ms)` : `error: ${data.database.error}`}
        </dd>
        <dt>Worker</dt>
        <dd data-testid="health-worker" className={data.worker.status === 'alive' ? 'good' : 'bad'}>
          {WORKER_TEXT[data.worker.status]}
        </dd>
      </dl>
    </section>
  );
}
