'use client';

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame, type TimeRange } from '@/components/common/ChartFrame';
import { summarizeSeries } from '@/components/common/series-summary';
import { useKmsNodeHistory } from '@/components/queries/use-kms-node-history';

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];

interface ChartProps {
  provider: string;
  range: TimeRange;
  onRangeChange: (range: TimeRange) => void;
  testId?: string;
}

/**
 * One provider's node history as chart rows (one per timestamp, a column per node and metric),
 * shared by the latency and availability charts: both ask React Query for the same key, so one
 * request feeds them.
 */
function useNodeRows(provider: string, range: TimeRange) {
  const history = useKmsNodeHistory(provider, range);
  const nodes = history.data?.nodes ?? [];
  const label = (n: (typeof nodes)[number]) => n.name ?? n.endpoint;
  const rows = new Map<string, Record<string, number | string | null>>();
  for (const node of nodes) {
    for (const p of node.points) {
      const row = rows.get(p.t) ?? { t: p.t };
      row[`lat:${label(node)}`] = p.up === 0 ? null : p.latencyMs;
      row[`up:${label(node)}`] = p.up === null ? null : Math.round(p.up * 1000) / 10;
      rows.set(p.t, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => String(a.t).localeCompare(String(b.t)));
  const long = range === '7d' || range === '30d';
  const fmt = (t: string) => (long ? new Date(t).toLocaleDateString() : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  return { history, nodes, label, data, fmt, frame: { loading: history.isPending, error: history.error, empty: data.length === 0, emptyText: 'No samples in this window yet.' } };
}

/** KMIP latency per node; a gap is a probe that got no answer. */
export function KmsLatencyChart({ provider, range, onRangeChange, testId }: ChartProps) {
  const { nodes, label, data, fmt, frame } = useNodeRows(provider, range);
  return (
    <ChartFrame
      {...frame}
      range={range}
      onRangeChange={onRangeChange}
      title={`KMIP latency of ${provider}`}
      testId={testId}
      summary={
        <ul>
          {nodes.map((n) => (
            <li key={n.endpoint}>{`${label(n)}: ${summarizeSeries(n.points.map((p) => (p.up === 0 ? null : p.latencyMs)), 'ms')}`}</li>
          ))}
        </ul>
      }
    >
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="t" tickFormatter={fmt} minTickGap={40} />
        <YAxis unit=" ms" width={70} />
        <Tooltip labelFormatter={(t) => new Date(String(t)).toLocaleString()} />
        <Legend />
        {nodes.map((n, i) => (
          <Line key={n.endpoint} name={label(n)} type="monotone" dataKey={`lat:${label(n)}`} stroke={COLORS[i % COLORS.length]} dot={false} connectNulls={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </ChartFrame>
  );
}

/** Share of probes each node answered, per bucket. */
export function KmsAvailabilityChart({ provider, range, onRangeChange, testId }: ChartProps) {
  const { nodes, label, data, fmt, frame } = useNodeRows(provider, range);
  const availability = (n: (typeof nodes)[number]) => {
    const ups = n.points.map((p) => p.up).filter((u): u is number => u !== null);
    return ups.length === 0 ? 'no samples' : `${Math.round((ups.reduce((a, b) => a + b, 0) / ups.length) * 1000) / 10}% available`;
  };
  return (
    <ChartFrame
      {...frame}
      range={range}
      onRangeChange={onRangeChange}
      title={`Availability of ${provider}'s nodes`}
      testId={testId}
      summary={
        <ul>
          {nodes.map((n) => (
            <li key={n.endpoint}>{`${label(n)}: ${availability(n)}`}</li>
          ))}
        </ul>
      }
    >
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="t" tickFormatter={fmt} minTickGap={40} />
        <YAxis unit=" %" width={70} domain={[0, 100]} />
        <Tooltip labelFormatter={(t) => new Date(String(t)).toLocaleString()} />
        <Legend />
        {nodes.map((n, i) => (
          <Line key={n.endpoint} name={label(n)} type="stepAfter" dataKey={`up:${label(n)}`} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </ChartFrame>
  );
}
