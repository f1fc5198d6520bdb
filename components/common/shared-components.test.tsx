import { renderToStaticMarkup } from 'react-dom/server';
import { Line, LineChart } from 'recharts';
import { describe, expect, it } from 'vitest';
import { StatusBadge } from './Badge';
import { ChartFrame } from './ChartFrame';
import { DataTable, type Column } from './DataTable';

/** Server-rendered markup of the shared components: states, ARIA and the numbers they print. */
interface Row {
  name: string;
  verdict: string;
}
const columns: Column<Row>[] = [
  { id: 'name', header: 'Host', cell: (r) => r.name, sortable: true },
  { id: 'verdict', header: 'Verdict', cell: (r) => <StatusBadge status={r.verdict} /> },
];
const table = (props: Partial<Parameters<typeof DataTable<Row>>[0]>) =>
  renderToStaticMarkup(<DataTable caption="Hosts" columns={columns} rows={undefined} rowKey={(r) => r.name} loading={false} error={null} onSort={() => undefined} {...props} />);

describe('DataTable', () => {
  it('marks the sorted column for assistive technology and pages with a known total', () => {
    const html = table({
      rows: [{ name: 'esx-01', verdict: 'BLOCKED' }],
      sort: { by: 'name', dir: 'desc' },
      pagination: { kind: 'pages', page: 2, pageSize: 50, total: 2500, onPage: () => undefined },
    });
    expect(html).toContain('aria-sort="descending"');
    expect(html).toContain('<caption class="visually-hidden">Hosts</caption>');
    expect(html).toContain('Rows 51–51 of 2,500');
    expect(html).toContain('Page 2 of 50');
    expect(html).toContain('badge tone-bad');
  });

  it('keeps its headers and shows loading, empty and error in the body', () => {
    expect(table({ loading: true })).toMatch(/<th[^>]*>.*Host.*<\/th>.*Loading…/);
    expect(table({ rows: [], emptyText: 'No hosts match.' })).toContain('No hosts match.');
    const failed = table({ error: new Error('The server said no.') });
    expect(failed).toContain('role="alert"');
    expect(failed).toContain('The server said no.');
  });
});

describe('StatusBadge', () => {
  it('reads anything outside its vocabulary as unknown, never as fine', () => {
    expect(renderToStaticMarkup(<StatusBadge status="READY" />)).toContain('tone-good');
    const odd = renderToStaticMarkup(<StatusBadge status="exploded" />);
    expect(odd).toContain('tone-neutral');
    expect(odd).toContain('exploded');
  });
});

describe('ChartFrame', () => {
  const chart = (props: Partial<Parameters<typeof ChartFrame>[0]>) =>
    renderToStaticMarkup(
      <ChartFrame title="KMS node latency" range="24h" onRangeChange={() => undefined} summary="kms-1: last 4 ms" loading={false} error={null} empty={false} {...props}>
        <LineChart data={[{ t: 1, v: 4 }]}>
          <Line dataKey="v" />
        </LineChart>
      </ChartFrame>,
    );

  it('offers the four time ranges, the chosen one pressed, and the text summary beside the chart', () => {
    const html = chart({});
    const pressed = [...html.matchAll(/aria-pressed="(true|false)"[^>]*>([^<]+)</g)].map((m) => [m[2], m[1]]);
    expect(pressed).toEqual([
      ['1 h', 'false'],
      ['24 h', 'true'],
      ['7 d', 'false'],
      ['30 d', 'false'],
    ]);
    expect(html).toContain('<figcaption class="chart-summary">kms-1: last 4 ms</figcaption>');
    expect(html).toContain('aria-label="Time range of KMS node latency"');
  });

  it('shows loading, empty and error instead of the chart', () => {
    expect(chart({ loading: true })).not.toContain('<figure');
    expect(chart({ empty: true })).toContain('No data for this period.');
    expect(chart({ error: new Error('history unavailable') })).toContain('history unavailable');
  });
});
