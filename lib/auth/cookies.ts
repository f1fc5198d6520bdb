import { getAuthConfig } from './config';

/** Minimal cookie parsing / serialization; route handlers work on plain Request objects. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Lax' | 'Strict';
  maxAgeSeconds: number;
  path?: string;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? '/'}`, `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, `SameSite=${options.sameSite}`];
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * Whether the browser reached us over HTTPS (directly or through a TLS-terminating proxy). The
 * X-Forwarded-* headers a handler sees were set by Keywatch's web server (lib/http/forwarded.ts),
 * which drops them unless they come from a trusted proxy.
 */
export function isHttps(request: Request): boolean {
  const forwarded = request.headers.get('x-forwarded-proto');
  if (forwarded) return forwarded.split(',')[0]!.trim().toLowerCase() === 'https';
  return new URL(request.url).protocol === 'https:';
}

/** The host name the browser used (no port), lower-case. */
export function requestHostname(request: Request): string {
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
  try {
    return new URL(`http://${host.split(',')[0]!.trim()}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1: browsers treat these as secure contexts without TLS. */
export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}

/**
 * Cookies are Secure and carry the `__Host-` prefix (so a sibling subdomain or a plain-http
 * page cannot plant or overwrite them) unless the browser talks to a loopback address over
 * plain http, where Secure cookies would not be sent back by every browser.
 */
export function secureCookies(request: Request): boolean {
  return getAuthConfig().sessionSecure === 'always' || isHttps(request) || !isLoopbackHostname(requestHostname(request));
}

/** A cookie's name for this request: `__Host-<base>` when secure, `<base>` on plain-http loopback. */
export function cookieName(request: Request, base: string): string {
  return secureCookies(request) ? `__Host-${base}` : base;
}

/** Reads a cookie by its base name under the name this request must use (no fall-back to the other). */
export function readAuthCookie(request: Request, base: string): string | undefined {
  return readCookie(request, cookieName(request, base));
}

/** Sets (or, with maxAgeSeconds 0, clears) a cookie under the name and Secure flag this request needs. */
export function authCookie(request: Request, base: string, value: string, options: Omit<CookieOptions, 'secure' | 'path'>): string {
  return serializeCookie(cookieName(request, base), value, { ...options, secure: secureCookies(request), path: '/' });
}
