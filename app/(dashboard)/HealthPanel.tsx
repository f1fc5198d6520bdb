'use client';

// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { HealthReport } from '@/lib/health/status';
import { useHealth } from '@/components/queries/use-health';

const WORKER_TEXT: Record<HealthReport['worker']['status'], string> = {
  alive: 'alive',
  stale: 'not beating — is the worker process running?',
  absent: 'never started',
  unknown: 'unknown (database unreachable)',
};

export function HealthPanel() {
  const { data, error, isPending } = useHealth();
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
