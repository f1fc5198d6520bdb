'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AlertView } from '@/lib/alerts/query';
import type { HostUnlockReport, UnlockResult } from '@/lib/recovery/unlock';
import { apiFetch } from '@/components/common/api-client';
import { queryKeys } from '@/components/queries/keys';

function entityHref(alert: AlertView): string | null {
  if (alert.links.hostId) return `/hosts/${encodeURIComponent(alert.links.hostId)}`;
  if (alert.links.keyProviderId) return `/key-providers#provider-${encodeURIComponent(alert.links.keyProviderId)}`;
  return null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function AckForm({ alert }: { alert: AlertView }) {
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const ack = useMutation({
    mutationFn: () => apiFetch(`/api/v1/alerts/${encodeURIComponent(alert.id)}/ack`, { method: 'POST', body: { note } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.alerts() }),
  });
  return (
    <form
      className="alert-ack"
      onSubmit={(e) => {
        e.preventDefault();
        ack.mutate();
      }}
    >
      <label>
        Acknowledge with a note
        <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="Who is on it, what you are doing" required maxLength={2000} />
      </label>
      <button type="submit" disabled={ack.isPending || note.trim() === ''}>
        {ack.isPending ? 'Acknowledging…' : 'Acknowledge'}
      </button>
      {ack.error ? <p className="form-error" role="alert">{message(ack.error)}</p> : null}
    </form>
  );
}

function UnlockButtons({ alert }: { alert: AlertView }) {
  const queryClient = useQueryClient();
  const hostId = alert.links.hostId;
  const hostName = typeof alert.details?.host === 'string' ? alert.details.host : 'this host';
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.alerts() }), queryClient.invalidateQueries({ queryKey: queryKeys.hosts() })]);
  const one = useMutation({
    mutationFn: () => apiFetch<UnlockResult>(`/api/v1/vms/${encodeURIComponent(alert.entity.id)}/actions`, { method: 'POST', body: { action: 'unlock' } }),
    onSuccess: refresh,
  });
  const all = useMutation({
    mutationFn: () => apiFetch<HostUnlockReport>(`/api/v1/hosts/${encodeURIComponent(hostId!)}/unlock-vms`, { method: 'POST' }),
    onSettled: refresh,
  });
  return (
    <div className="alert-actions">
      <button type="button" onClick={() => one.mutate()} disabled={one.isPending || all.isPending}>
        {one.isPending ? 'Unlocking…' : 'Unlock'}
      </button>
      {hostId ? (
        <button type="button" onClick={() => all.mutate()} disabled={one.isPending || all.isPending}>
          {all.isPending ? 'Unlocking VMs one at a time…' : `Unlock all locked VMs on ${hostName}`}
        </button>
      ) : null}
      {one.data ? <p className="notice" role="status">{one.data.outcome === 'unlocked' ? `${one.data.vmName} unlocked and verified.` : `${one.data.vmName} was not locked any more.`}</p> : null}
      {all.data ? <p className="notice" role="status">{`Unlocked ${all.data.steps.filter((s) => s.outcome === 'unlocked').length} VM(s) on ${all.data.hostName}, each verified.`}</p> : null}
      {one.error ? <p className="form-error" role="alert">{message(one.error)}</p> : null}
      {all.error ? <p className="form-error" role="alert">{`Unlock all stopped: ${message(all.error)}`}</p> : null}
    </div>
  );
}

export function AlertCard({ alert, canAck, canUnlock }: { alert: AlertView; canAck: boolean; canUnlock: boolean }) {
  const href = entityHref(alert);
  const open = alert.state === 'open';
  return (
    <article className={`alert-card severity-${alert.severity}${alert.pinned ? ' pinned' : ''}`} data-kind={alert.kind} aria-label={alert.title}>
      <header>
        <span className={`badge badge-${alert.severity}`}>{alert.severity}</span>
        {alert.pinned ? <span className="badge badge-pinned">pinned</span> : null}
        <span className="alert-kind">{alert.kind}</span>
        <h2>{alert.title}</h2>
      </header>
      <p className="alert-entity">
        {href ? <Link href={href}>{alert.entity.name}</Link> : alert.entity.name}
        {' · since '}
        <time dateTime={alert.firstSeenAt}>{new Date(alert.firstSeenAt).toLocaleString()}</time>
        {alert.resolvedAt ? (
          <>
            {' · resolved '}
            <time dateTime={alert.resolvedAt}>{new Date(alert.resolvedAt).toLocaleString()}</time>
          </>
        ) : null}
      </p>
      <p className="alert-cause">{alert.cause}</p>
      <section className="alert-runbook" aria-label="Runbook">
        <h3>Runbook</h3>
        <pre>{alert.runbook}</pre>
      </section>
      {alert.acknowledged ? (
        <p className="alert-acked">
          Acknowledged by {alert.acknowledged.by ?? 'someone'} at {new Date(alert.acknowledged.at).toLocaleString()}
          {alert.acknowledged.note ? `: ${alert.acknowledged.note}` : ''}
        </p>
      ) : open && canAck ? (
        <AckForm alert={alert} />
      ) : null}
      {open && canUnlock && alert.kind === 'VM_LOCKED' ? <UnlockButtons alert={alert} /> : null}
    </article>
  );
}
