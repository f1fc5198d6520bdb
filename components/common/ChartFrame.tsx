'use client';

import type { ReactElement, ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';
import { Card } from './Card';
import { LoadState } from './LoadState';

export const TIME_RANGES = [
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 d', ms: 30 * 86_400_000 },
] as const;

export type TimeRange = (typeof TIME_RANGES)[number]['id'];

/**
 * The frame of every history chart: title, the 1 h / 24 h / 7 d / 30 d switch, loading / empty /
 * error states, and beside the chart a text summary saying what the picture shows (for screen
 * readers, and for anyone who wants the numbers). `children` is one recharts chart.
 */
export function ChartFrame({
  title,
  range,
  onRangeChange,
  summary,
  loading,
  error,
  empty,
  emptyText = 'No data for this period.',
  height = 220,
  children,
  testId,
}: {
  title: string;
  range: TimeRange;
  onRangeChange: (range: TimeRange) => void;
  summary: ReactNode;
  loading: boolean;
  error: unknown;
  empty: boolean;
  emptyText?: ReactNode;
  height?: number;
  children: ReactElement;
  testId?: string;
}) {
  const switcher = (
    <div className="range-switch" role="group" aria-label={`Time range of ${title}`}>
      {TIME_RANGES.map((r) => (
        <button key={r.id} type="button" aria-pressed={r.id === range} onClick={() => onRangeChange(r.id)}>
          {r.label}
        </button>
      ))}
    </div>
  );
  return (
    <Card title={title} actions={switcher} className="chart-frame" testId={testId} busy={loading}>
      <LoadState loading={loading} error={error} empty={empty} emptyText={emptyText}>
        <figure className="chart-body">
          <div className="chart-plot" style={{ height }}>
            <ResponsiveContainer width="100%" height={height}>
              {children}
            </ResponsiveContainer>
          </div>
          <figcaption className="chart-summary">{summary}</figcaption>
        </figure>
      </LoadState>
    </Card>
  );
}
