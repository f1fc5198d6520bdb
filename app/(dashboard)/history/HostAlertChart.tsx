'use client';

import { useState, type FormEvent } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame, type TimeRange } from '@/components/common/ChartFrame';
import { useHostAlertTimeline } from '@/components/queries/use-history-timelines';

const SEVERITY_COLOR: Record<string, string> = { critical: '#b3261e', warning: '#b26b00', info: '#5d6675' };

/** One host's alerts as bars from first seen to resolved (or now), on the range's time axis. */
export function HostAlertChart() {
  const [draft, setDraft] = useState('');
  const [host, setHost] = useState('');
  const [range, setRange] = useState<TimeRange>('7d');
  const query = useHostAlertTimeline(host, range);
  const data = query.data;
  const from = data ? new Date(data.from).getTime() : 0;
  const to = data ? new Date(data.to).getTime() : 0;
  const rows = (data?.alerts ?? []).map((a) => {
    const start = new Date(a.from).getTime();
    const end = a.to ? new Date(a.to).getTime() : to;
    return { name: `${a.kind} (${a.severity})`, offset: start - from, duration: Math.max(end - start, (to - from) / 500), severity: a.severity, a };
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setHost(draft.trim());
  };
  const summary = !host
    ? 'Name a host to see its alerts.'
    : data && !data.host
      ? `No host ${host} is known to Keywatch.`
      : rows.length === 0
        ? `${data?.host?.name ?? host} had no alerts in this window.`
        : (
            <ul data-testid="host-alert-summary">
              {rows.map((r) => (
                <li key={r.a.id}>{`${r.a.title} — ${r.a.severity}, from ${new Date(r.a.from).toLocaleString()} ${r.a.open ? 'and still open' : `to ${new Date(r.a.to!).toLocaleString()}`}`}</li>
              ))}
            </ul>
          );
  return (
    <>
      <form className="toolbar" onSubmit={submit}>
        <label>
          Host <input type="text" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="host name" />
        </label>
        <button type="submit" className="button secondary">
          Show its alerts
        </button>
      </form>
      <ChartFrame
        title={`Alerts of ${data?.host?.name ?? (host || 'a host')}`}
        range={range}
        onRangeChange={setRange}
        loading={host.length > 0 && query.isPending}
        error={query.error}
        empty={rows.length === 0}
        emptyText={typeof summary === 'string' ? summary : 'No alerts in this window.'}
        summary={summary}
        height={Math.max(120, 40 + rows.length * 26)}
        testId="history-host-alerts"
      >
        <BarChart data={rows} layout="vertical" margin={{ left: 20 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" domain={[0, to - from]} tickFormatter={(v: number) => new Date(from + v).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' })} />
          <YAxis type="category" dataKey="name" width={220} />
          <Tooltip formatter={(_v, _n, item) => (item.payload as (typeof rows)[number]).a.title} labelFormatter={() => ''} />
          <Bar dataKey="offset" stackId="t" fill="transparent" isAnimationActive={false} />
          <Bar dataKey="duration" stackId="t" isAnimationActive={false}>
            {rows.map((r) => (
              <Cell key={r.a.id} fill={SEVERITY_COLOR[r.severity] ?? '#5d6675'} />
            ))}
          </Bar>
        </BarChart>
      </ChartFrame>
    </>
  );
}
