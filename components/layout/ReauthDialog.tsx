'use client';

import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { apiFetch, setReauthenticator } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { useSession } from '@/components/queries/use-session';

/**
 * The step-up prompt: when an admin write answers "reauthentication-required" (the session's last
 * sign-in is older than 5 minutes), this asks for the password (and authenticator code) again and
 * the request is retried. SSO accounts go through the identity provider with max_age instead.
 */
export function ReauthDialog() {
  const { data } = useSession();
  const pathname = usePathname();
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    setReauthenticator(() => new Promise<boolean>((resolve) => setPending(() => resolve)));
    return () => setReauthenticator(undefined);
  }, []);
  useEffect(() => {
    if (pending) dialog.current?.showModal?.();
    else dialog.current?.close?.();
  }, [pending]);

  const user = data?.user;
  function finish(ok: boolean) {
    pending?.(ok);
    setPending(null);
    setError(null);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget);
    const code = String(fields.get('code') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      await apiFetch('/api/auth/reauth', { method: 'POST', body: { password: String(fields.get('password') ?? ''), ...(code && { code }) } });
      finish(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} className="card reauth-dialog" data-testid="reauth-dialog" onCancel={() => finish(false)}>
      <h2>Confirm it is you</h2>
      <p>This change needs a sign-in from the last 5 minutes.</p>
      {user && !user.local ? (
        <p>
          <a className="button" href={`/api/auth/oidc/login?reauth=1&returnTo=${encodeURIComponent(pathname)}`}>
            Sign in again with single sign-on
          </a>
        </p>
      ) : (
        <form onSubmit={submit} className="form-grid">
          <label>
            Your password
            <input name="password" type="password" autoComplete="current-password" required autoFocus />
          </label>
          {user?.totpEnabled && (
            <label>
              Authenticator code
              <input name="code" inputMode="numeric" autoComplete="one-time-code" required />
            </label>
          )}
          <div className="form-buttons">
            <button type="submit" disabled={busy}>
              Confirm
            </button>
            <button type="button" className="secondary" onClick={() => finish(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <FormError error={error} />
    </dialog>
  );
}
