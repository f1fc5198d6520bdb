'use client';

import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistoryRange } from '@/components/queries/keys';
import { useKmsNodeHistory } from '@/components/queries/use-kms-node-history';

const RANGES: HistoryRange[] = ['1h', '24h', '7d'];
const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];

/** KMIP latency per node over the chosen window; a gap is a probe that got no answer. */
export function LatencyChart({ provider }: { provider: string }) {
  const [range, setRange] = useState<HistoryRange>('1h');
  const history = useKmsNodeHistory(provider, range);
  const nodes = history.data?.nodes ?? [];
  // One row per timestamp, one column per node.
  const rows = new Map<string, Record<string, number | string | null>>();
  for (const node of nodes) {
    for (const p of node.points) {
      const row = rows.get(p.t) ?? { t: p.t };
      row[node.name ?? node.endpoint] = p.up === 0 ? null : p.latencyMs;
      rows.set(p.t, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => String(a.t).localeCompare(String(b.t)));
  const fmt = (t: string) => (range === '7d' ? new Date(t).toLocaleDateString() : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  return (
    <figure className="chart">
      <figcaption>
        KMIP latency (ms){' '}
        <span role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r} type="button" aria-pressed={range === r} onClick={() => setRange(r)}>
              {r}
            </button>
          ))}
        </span>
      </figcaption>
      {history.isPending ? (
        <p className="loading">Loading history…</p>
      ) : history.isError ? (
        <p className="form-error" role="alert">{`Cannot load history: ${history.error.message}`}</p>
      ) : data.length === 0 ? (
        <p className="empty">No samples in this window yet.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="t" tickFormatter={fmt} minTickGap={40} />
            <YAxis unit=" ms" width={70} />
            <Tooltip labelFormatter={(t) => new Date(String(t)).toLocaleString()} />
            <Legend />
            {nodes.map((n, i) => (
              <Line key={n.endpoint} type="monotone" dataKey={n.name ?? n.endpoint} stroke={COLORS[i % COLORS.length]} dot={false} connectNulls={false} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
