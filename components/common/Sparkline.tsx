import { sparklinePath, summarizeSeries, type SeriesValue } from './series-summary';

/**
 * A word-sized trend line (a KMS node's latency in a table cell) in plain SVG — no chart library,
 * so a page of them stays light. Screen readers get the summary instead of the picture.
 */
export function Sparkline({ values, label, unit = '', width = 96, height = 24, testId }: { values: readonly SeriesValue[]; label: string; unit?: string; width?: number; height?: number; testId?: string }) {
  const summary = `${label}: ${summarizeSeries(values, unit)}`;
  return (
    <svg className="sparkline" role="img" aria-label={summary} width={width} height={height} viewBox={`0 0 ${width} ${height}`} data-testid={testId}>
      <title>{summary}</title>
      <path d={sparklinePath(values, width, height)} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}
