/**
 * Plain-language and geometric helpers for small charts: what a screen reader hears instead of the
 * picture, and the SVG path of a sparkline. No React, no chart library.
 */

export type SeriesValue = number | null;

function format(value: number, unit: string): string {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded.toLocaleString('en')}${unit ? ` ${unit}` : ''}`;
}

/** "last 12 ms, lowest 8 ms, highest 40 ms; 2 of 30 samples missing" — or "no data". */
export function summarizeSeries(values: readonly SeriesValue[], unit = ''): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return 'no data';
  const last = values.at(-1);
  const parts = [
    last === null || last === undefined ? 'latest sample missing' : `last ${format(last, unit)}`,
    `lowest ${format(Math.min(...present), unit)}`,
    `highest ${format(Math.max(...present), unit)}`,
  ];
  const missing = values.length - present.length;
  return `${parts.join(', ')}${missing > 0 ? `; ${missing} of ${values.length} samples missing` : ''}`;
}

/**
 * SVG path commands for a sparkline in a width × height box (1 px inset), one sub-path per run of
 * present values so that missing samples leave a gap instead of a misleading line.
 */
export function sparklinePath(values: readonly SeriesValue[], width: number, height: number): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return '';
  const min = Math.min(...present);
  const max = Math.max(...present);
  const span = max - min || 1;
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const y = (v: number) => (max === min ? height / 2 : 1 + (height - 2) * (1 - (v - min) / span));
  let path = '';
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      drawing = false;
      return;
    }
    const x = values.length > 1 ? 1 + i * step : width / 2;
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y(v).toFixed(1)} `;
    drawing = true;
  });
  return path.trim();
}
