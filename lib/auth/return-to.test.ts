import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to';

const ORIGIN = 'https://keywatch.example';

/** Where a browser goes for a sign-in page's returnTo: the URL parser treats "\" like "/" in http(s) URLs. */
function destination(returnTo: string): URL {
  return new URL(returnTo, `${ORIGIN}/login`);
}

describe('safeReturnTo', () => {
  it('keeps local paths with their query', () => {
    expect(safeReturnTo('/alerts')).toBe('/alerts');
    expect(safeReturnTo('/audit?action=target.&outcome=failure')).toBe('/audit?action=target.&outcome=failure');
    expect(safeReturnTo('/hosts/./host-1')).toBe('/hosts/host-1');
  });

  it('sends everything that could leave the site, or loop back to sign-in, to the overview', () => {
    for (const value of [null, undefined, '', 'https://evil.example/', '//evil.example/', '/\\evil.example/', 'alerts', '/login', '/login/setup?token=x', '/a b', '/./login', '/alerts/../login', '/%2e/login', '/%2E%2E/login?x=1', '/.//evil.example', '/a/..//evil.example']) {
      expect(safeReturnTo(value), String(value)).toBe('/');
    }
  });

  it('issue 15, finding 2: ?returnTo=/%5Cevil.example stays on this origin, in the form the page reads and in raw form', () => {
    // The page reads the parameter decoded (URLSearchParams): "/\evil.example", which a browser
    // resolves to https://evil.example/. The old sign-in form only checked for a leading "//".
    const decoded = new URLSearchParams('returnTo=/%5Cevil.example').get('returnTo')!;
    expect(decoded).toBe('/\\evil.example');
    for (const value of [decoded, '/%5Cevil.example', '/%2F%2Fevil.example', '/\t/evil.example', '/\\/evil.example', '/%09/evil.example']) {
      expect(destination(safeReturnTo(value)).origin, value).toBe(ORIGIN);
    }
  });

  it('whatever the string, the browser stays on this origin and never lands on the sign-in page', () => {
    const tricky = fc.constantFrom('/', '\\', '%', '5C', '2F', '09', '@', ':', '.', '?', '#', 'evil.example', 'login', '\t', '\n', ' ', '//', 'https:');
    const inputs = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.array(tricky, { maxLength: 12 }).map((parts) => parts.join('')), fc.array(tricky, { maxLength: 12 }).map((parts) => `/${parts.join('')}`));
    fc.assert(
      fc.property(inputs, (value) => {
        const target = destination(safeReturnTo(value));
        return target.origin === ORIGIN && !target.pathname.startsWith('/login');
      }),
      { numRuns: 50000 },
    );
  });
});
