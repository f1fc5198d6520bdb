/**
 * Where to send a visitor after signing in: a local path of plain URL characters only (an open
 * redirect after sign-in is a phishing tool, and "//host" or "/\host" leave the site), never the
 * sign-in page itself, "/" otherwise. The sign-in form and the OIDC start both use it.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !LOCAL_PATH.test(value)) return '/';
  // Judge the path the browser will actually request: "/./login", "/x/../login" and "/%2e/login"
  // all resolve to the sign-in page, so the check runs on the resolved form, which is also what we hand back.
  const resolved = new URL(value, RESOLVE_BASE);
  // Resolving can also make a leading "//" ("/.//evil" → "//evil"), which would leave the site.
  if (resolved.origin !== RESOLVE_BASE || resolved.pathname.startsWith('//') || resolved.pathname.startsWith('/login')) return '/';
  return resolved.pathname + resolved.search;
}

const LOCAL_PATH = /^\/(?!\/)[\w\-./?=&%]*$/;
const RESOLVE_BASE = 'https://keywatch.invalid';

/**
 * Request header proxy.ts sets to the path being requested: a layout is not told which page it
 * wraps, and the sign-in gate needs it to come back there.
 */
export const PAGE_PATH_HEADER = 'x-keywatch-page-path';

/** The sign-in page, returning to `path` afterwards. */
export function signInUrl(path: string): string {
  return `/login?returnTo=${encodeURIComponent(path)}`;
}
