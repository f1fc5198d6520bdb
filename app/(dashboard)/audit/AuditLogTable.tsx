'use client';

import { useState } from 'react';
import { FormError } from '@/components/common/FormError';
import { useAuditEvents } from '@/components/queries/use-audit-events';

const ACTION_FILTERS = [
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
] as const;

export function AuditLogTable() {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [outcome, setOutcome] = useState('');
  const query = useAuditEvents({ action, actor, outcome });
  const events = query.data?.pages.flatMap((p) => p.events) ?? [];

  return (
    <>
      <div className="filters card">
        <label>
          Events
          <select aria-label="Event type" value={action} onChange={(e) => setAction(e.target.value)}>
            {ACTION_FILTERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Who
          <input aria-label="Actor" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="user or token:name" />
        </label>
        <label>
          Outcome
          <select aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
            <option value="denied">denied</option>
          </select>
        </label>
      </div>
      <FormError error={query.error} />
      <table data-testid="audit-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Outcome</th>
            <th>On</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>
                {e.actorName}
                {e.ip ? <span className="muted"> · {e.ip}</span> : null}
              </td>
              <td>
                <code>{e.action}</code>
              </td>
              <td className={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</td>
              <td>{e.targetType ? `${e.targetType}${e.targetId ? ` ${e.targetId.slice(0, 10)}` : ''}` : '—'}</td>
              <td className="details">{e.details ? JSON.stringify(e.details) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 && !query.isLoading && <p className="empty">No matching audit events.</p>}
      {query.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          Older events
        </button>
      )}
    </>
  );
}
