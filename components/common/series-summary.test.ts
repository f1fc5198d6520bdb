import { describe, expect, it } from 'vitest';
import { sparklinePath, summarizeSeries } from './series-summary';

describe('summarizeSeries', () => {
  it('says last, lowest and highest with the unit, and how many samples are missing', () => {
    expect(summarizeSeries([12, 8, null, 40, 15], 'ms')).toBe('last 15 ms, lowest 8 ms, highest 40 ms; 1 of 5 samples missing');
    expect(summarizeSeries([1234.4, 99.96])).toBe('last 100, lowest 100, highest 1,234');
  });
  it('says when the latest sample is missing or there is no data at all', () => {
    expect(summarizeSeries([3, null], 'ms')).toBe('latest sample missing, lowest 3 ms, highest 3 ms; 1 of 2 samples missing');
    expect(summarizeSeries([null, null])).toBe('no data');
    expect(summarizeSeries([])).toBe('no data');
  });
});

describe('sparklinePath', () => {
  it('spans the box, highest value at the top, and breaks the line at missing samples', () => {
    expect(sparklinePath([0, 10, null, 5], 32, 12)).toBe('M1.0 11.0 L11.0 1.0 M31.0 6.0');
  });
  it('draws a flat series across the middle and nothing without data', () => {
    expect(sparklinePath([4, 4], 10, 10)).toBe('M1.0 5.0 L9.0 5.0');
    expect(sparklinePath([null], 10, 10)).toBe('');
  });
});
