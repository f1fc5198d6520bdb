/**
 * Where to send a visitor after signing in: a local path of plain URL characters only (an open
 * redirect after sign-in is a phishing tool, and "//host" or "/\host" leave the site), never the
 * sign-in page itself, "/" otherwise. The sign-in form and the OIDC start both use it.
 */
export function safeReturnTo(value: string | null | undefined): string {
  return value && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) && !value.startsWith('/login') ? value : '/';
}

/**
 * Request header proxy.ts sets to the path being requested: a layout is not told which page it
 * wraps, and the sign-in gate needs it to come back there.
 */
export const PAGE_PATH_HEADER = 'x-keywatch-page-path';

/** The sign-in page, returning to `path` afterwards. */
export function signInUrl(path: string): string {
  return `/login?returnTo=${encodeURIComponent(path)}`;
}
