'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, apiFetch } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { useHydrated } from '@/components/common/use-hydrated';
import { queryKeys } from '@/components/queries/keys';
import { useHydratedResult } from '@/components/queries/use-hydrated-result';
import { useSession } from '@/components/queries/use-session';
import { safeReturnTo } from '@/lib/auth/return-to';
import { signInErrorMessage } from '@/lib/auth/sign-in-errors';

export function LoginForm() {
  // The session can already be in the query cache (the dashboard put it there before a sign-out
  // or an expiry brought the visitor here).
  const { data } = useHydratedResult(useSession());
  const router = useRouter();
  const search = useSearchParams();
  const queryClient = useQueryClient();
  // Fields are read from the DOM at submit, so text typed before hydration is kept.
  const hydrated = useHydrated();
  const methods = data?.methods;
  const [error, setError] = useState<unknown>(() => {
    // Set by the OIDC callback when single sign-on failed: a code, shown as our own sentence.
    const message = signInErrorMessage(search.get('error'));
    return message ? new Error(message) : null;
  });
  const [busy, setBusy] = useState(false);
  // The account has an authenticator: the password was right, now the code is asked for.
  const [needsCode, setNeedsCode] = useState(false);
  const returnTo = safeReturnTo(search.get('returnTo'));

  /** Password and demo sign-in: one request in flight at a time, then back to where the visitor was going. */
  async function signIn(request: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await request();
      await queryClient.invalidateQueries({ queryKey: queryKeys.session() });
      router.replace(returnTo);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'second-factor-required') {
        setNeedsCode(true);
        if (!needsCode) return;
      }
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget);
    const username = String(fields.get('username') ?? '');
    const password = String(fields.get('password') ?? '');
    const code = String(fields.get('code') ?? '').trim();
    void signIn(() => apiFetch('/api/auth/login', { method: 'POST', body: { username, password, ...(code && { code }) } }));
  }

  const demo = () => void signIn(() => apiFetch('/api/auth/demo', { method: 'POST' }));

  return (
    <div className="card login-card">
      <h1>Sign in to Keywatch</h1>
      {methods?.needsSetup && (
        <p className="warn">No account exists yet. Open the one-time setup link printed in the server log, or start Keywatch with KEYWATCH_ADMIN_PASSWORD.</p>
      )}
      <form onSubmit={submit} method="post" className="form-grid">
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {needsCode && (
          <label>
            Authenticator code
            <input name="code" inputMode="numeric" autoComplete="one-time-code" placeholder="6 digits, or a recovery code" required autoFocus />
          </label>
        )}
        <button type="submit" disabled={!hydrated || busy}>
          Sign in
        </button>
      </form>
      {methods?.oidc && (
        <p>
          <a className="button secondary" href={`/api/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`}>
            {methods.oidc.label}
          </a>
        </p>
      )}
      {methods?.demo && (
        <div className="demo-box">
          <p>
            <strong>Lab / demo mode.</strong> Look around without an account: the demo login is a read-only <em>viewer</em>.
          </p>
          <button type="button" className="secondary" onClick={demo} disabled={!hydrated || busy}>
            Demo login (read-only viewer)
          </button>
        </div>
      )}
      <FormError error={error} />
    </div>
  );
}
