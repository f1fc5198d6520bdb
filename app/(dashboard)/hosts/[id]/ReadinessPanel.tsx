'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, apiFetch } from '@/components/common/api-client';
import { queryKeys } from '@/components/queries/keys';
import { useHostAction, useReadiness } from '@/components/queries/use-readiness';
import { useSession } from '@/components/queries/use-session';
import { stateConflict } from '@/lib/readiness/action-state';
import type { HostActionView } from '@/lib/readiness/actions';

const ACTIONS = [
  { id: 'enter-maintenance', label: 'Enter maintenance' },
  { id: 'reboot', label: 'Reboot' },
  { id: 'exit-maintenance', label: 'Exit maintenance' },
] as const;
type ActionId = (typeof ACTIONS)[number]['id'];

interface Pending {
  action: ActionId;
  override: boolean;
}

/**
 * The host's readiness checklist (rule, status, evidence, remediation) for the chosen action, and the
 * actions themselves: disabled unless READY (the server re-checks and refuses anyway), confirmed in a
 * dialog naming the host, with a break-glass override for admins, and progress until the host is back.
 */
export default function ReadinessPanel({ hostId }: { hostId: string }) {
  const [action, setAction] = useState<ActionId>('reboot');
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState('');
  const [actionId, setActionId] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const session = useSession();
  const isAdmin = session.data?.user?.role === 'admin';
  const check = useReadiness(hostId, action);
  const progress = useHostAction(hostId, actionId);
  const hostName = check.data?.host.name ?? hostId;

  const start = useMutation({
    mutationFn: (p: Pending) =>
      apiFetch<{ action: HostActionView }>(`/api/v1/hosts/${encodeURIComponent(hostId)}/actions`, {
        method: 'POST',
        body: { action: p.action, ...(p.override && { override: { reason } }) },
      }),
    onSuccess: (data) => {
      setActionId(data.action.id);
      setRefusal(null);
      setPending(null);
      setReason('');
    },
    onError: (err) => {
      setRefusal(err instanceof ApiError ? err.message : String(err));
      setPending(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.hostReadiness(hostId, action) });
    },
  });

  // An action that ended changed the host (maintenance mode, a reboot): check it again.
  const finished = progress.data && progress.data.state !== 'running' ? progress.data.id : null;
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: queryKeys.hostReadinessAll(hostId) });
  }, [finished, hostId, queryClient]);

  const ready = check.data?.verdict === 'READY' && !check.isFetching;
  const running = progress.data?.state === 'running' || start.isPending;
  // vCenter refuses a reboot outside maintenance mode; say so before anyone clicks (the server refuses too).
  const conflict = check.data ? stateConflict(action, hostName, check.data.hostState) : null;

  return (
    <section className="readiness" aria-labelledby="readiness-heading">
      <h2 id="readiness-heading">Readiness</h2>
      <div className="readiness-controls">
        <label>
          Action{' '}
          <select value={action} onChange={(e) => setAction(e.target.value as ActionId)} aria-label="Action to check">
            {ACTIONS.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void check.refetch()} disabled={check.isFetching}>
          {check.isFetching ? 'Checking…' : 'Run check'}
        </button>
      </div>

      {check.error && <p role="alert">The check could not run: {check.error.message}</p>}
      {check.data && (
        <>
          <p className="readiness-verdict" data-verdict={check.data.verdict}>
            <strong data-testid="readiness-verdict">{check.data.verdict}</strong> for {action} on {hostName}, checked {new Date(check.data.checkedAt).toLocaleTimeString()} in{' '}
            {check.data.durationMs} ms{check.data.source === 'stored' ? ' (vCenter unreachable: stored data)' : ''}
            {check.data.blocking.length > 0 && <> — blocked by {check.data.blocking.join(', ')}</>}
          </p>
          <table className="readiness-rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Status</th>
                <th>Evidence</th>
                <th>Remediation</th>
              </tr>
            </thead>
            <tbody>
              {check.data.rules.map((r) => (
                <tr key={r.id} data-rule={r.id} data-status={r.status}>
                  <td>{r.id}</td>
                  <td>
                    <span className={`status status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>
                    <div>{r.summary}</div>
                    {r.evidence.length > 0 && (
                      <ul>
                        {r.evidence.slice(0, 20).map((e, i) => (
                          <li key={`${e.kind}-${e.id}-${i}`}>{e.detail}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{r.remediation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <div className="readiness-actions">
        {ACTIONS.filter((a) => a.id === action).map((a) => (
          <button key={a.id} type="button" disabled={!ready || running || conflict !== null} onClick={() => setPending({ action: a.id, override: false })}>
            {a.label}
          </button>
        ))}
        {isAdmin && check.data?.verdict === 'BLOCKED' && !check.data.blocking.includes('VC_REACHABLE') && conflict === null && (
          <button type="button" className="danger" disabled={running} onClick={() => setPending({ action, override: true })}>
            Override…
          </button>
        )}
      </div>
      {conflict && !running && (
        <p className="readiness-state" data-testid="action-state">
          {conflict}
        </p>
      )}
      {refusal && (
        <p role="alert" data-testid="action-refused">
          Refused: {refusal}
        </p>
      )}

      {pending && (
        <div role="dialog" aria-modal="true" aria-labelledby="confirm-heading" className="dialog">
          <h3 id="confirm-heading">
            {pending.override ? 'Override the gate: ' : ''}
            {ACTIONS.find((a) => a.id === pending.action)!.label} {hostName}?
          </h3>
          {pending.override ? (
            <>
              <p>
                {hostName} is BLOCKED by {check.data?.blocking.join(', ')}. This lets one {pending.action} through; it is audited with the failing rules and the
                authorisation expires in 1 hour.
              </p>
              <label>
                Reason (required)
                <textarea value={reason} onChange={(e) => setReason(e.target.value)} minLength={10} required />
              </label>
            </>
          ) : (
            <p>Keywatch re-checks {hostName} before sending the task to vCenter, then follows it until the host is back.</p>
          )}
          <button type="button" disabled={start.isPending || (pending.override && reason.trim().length < 10)} onClick={() => start.mutate(pending)}>
            Confirm {pending.action} of {hostName}
          </button>
          <button type="button" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      )}

      {progress.data && (
        <p className="readiness-progress" data-testid="action-progress" data-state={progress.data.state} aria-live="polite">
          {progress.data.action} of {progress.data.hostName}: <strong>{progress.data.state}</strong> — {progress.data.message}
        </p>
      )}
    </section>
  );
}
