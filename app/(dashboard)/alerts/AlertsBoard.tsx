'use client';

import { useState } from 'react';
import type { AlertFilters } from '@/components/queries/keys';
import { useAlerts } from '@/components/queries/use-alerts';
import { useSession } from '@/components/queries/use-session';
import { AlertCard } from './AlertCard';

export function AlertsBoard() {
  const [state, setState] = useState<AlertFilters['state']>('open');
  const alerts = useAlerts({ state });
  const session = useSession();
  const permissions: readonly string[] = session.data?.user?.permissions ?? [];
  return (
    <>
      <div className="toolbar">
        <label>
          Show{' '}
          <select value={state} onChange={(e) => setState(e.target.value as AlertFilters['state'])}>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
        </label>
        {alerts.data ? <span className="muted">{`${alerts.data.alerts.length} alert(s)`}</span> : null}
      </div>
      {alerts.isPending ? (
        <p className="loading">Loading alerts…</p>
      ) : alerts.isError ? (
        <p className="form-error" role="alert">{`Cannot load alerts: ${alerts.error.message}`}</p>
      ) : alerts.data.alerts.length === 0 ? (
        <p className="empty">{state === 'open' ? 'No open alerts.' : 'No alerts.'}</p>
      ) : (
        <div className="alert-list">
          {alerts.data.alerts.map((a) => (
            <AlertCard key={a.id} alert={a} canAck={permissions.includes('alerts.ack')} canUnlock={permissions.includes('vms.unlock')} />
          ))}
        </div>
      )}
    </>
  );
}
