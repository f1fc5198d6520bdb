'use client';

/** Browser-side JSON calls to our API: sends the CSRF header (double submit) on mutations. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
    /** The server's refusal code when it has one (reauthentication-required, second-factor-required, …). */
    readonly code?: string,
  ) {
    super(message);
  }
}

function csrfToken(): string {
  // `__Host-kw_csrf` everywhere but plain-http loopback (lib/auth/cookies.ts).
  const match = document.cookie.split('; ').find((c) => c.startsWith('__Host-kw_csrf=') || c.startsWith('kw_csrf='));
  return match ? decodeURIComponent(match.slice(match.indexOf('=') + 1)) : '';
}

/**
 * Asked when a dangerous action needs a fresh authentication (step-up): resolves true once the
 * user confirmed their password, false if they cancelled. Registered by the page that offers the
 * prompt; without one, the refusal reaches the form like any other.
 */
let reauthenticate: (() => Promise<boolean>) | undefined;
export function setReauthenticator(prompt: (() => Promise<boolean>) | undefined): void {
  reauthenticate = prompt;
}

export async function apiFetch<T>(url: string, init: { method?: string; body?: unknown } = {}, retried = false): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), credentials: 'same-origin' });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const body = (data ?? {}) as { error?: string; fieldErrors?: Record<string, string[]>; code?: string };
    if (body.code === 'reauthentication-required' && reauthenticate && !retried && (await reauthenticate())) return apiFetch<T>(url, init, true);
    throw new ApiError(res.status, body.error ?? `Request failed (${res.status}).`, body.fieldErrors ?? {}, body.code);
  }
  return data as T;
}
