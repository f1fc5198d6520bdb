import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to';

describe('safeReturnTo', () => {
  it('keeps local paths with their query', () => {
    expect(safeReturnTo('/alerts')).toBe('/alerts');
    expect(safeReturnTo('/audit?action=target.&outcome=failure')).toBe('/audit?action=target.&outcome=failure');
  });

  it('sends everything that could leave the site, or loop back to sign-in, to the overview', () => {
    for (const value of [null, undefined, '', 'https://evil.example/', '//evil.example/', '/\\evil.example/', 'alerts', '/login', '/login/setup?token=x', '/a b']) {
      expect(safeReturnTo(value), String(value)).toBe('/');
    }
  });
});
