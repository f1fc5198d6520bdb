'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiFetch } from './api-client';
import { FormError } from './FieldErrors';
import { SESSION_QUERY_KEY, useSession } from './use-session';

function safeReturnTo(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login') ? value : '/';
}

export function LoginForm() {
  const { data } = useSession();
  const router = useRouter();
  const search = useSearchParams();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(search.get('error') ? new Error(search.get('error')!) : null);
  const [busy, setBusy] = useState(false);
  const returnTo = safeReturnTo(search.get('returnTo'));

  async function done() {
    await queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
    router.replace(returnTo);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiFetch('/api/auth/login', { method: 'POST', body: { username, password } });
      await done();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function demo() {
    setBusy(true);
    setError(null);
    try {
      await apiFetch('/api/auth/demo', { method: 'POST' });
      await done();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card login-card">
      <h1>Sign in to Keywatch</h1>
      {data?.methods.needsSetup && (
        <p className="warn">No account exists yet. Open the one-time setup link printed in the server log, or start Keywatch with KEYWATCH_ADMIN_PASSWORD.</p>
      )}
      <form onSubmit={submit} className="form-grid">
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {data?.methods.oidc && (
        <p>
          <a className="button secondary" href={`/api/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`}>
            {data.methods.oidc.label}
          </a>
        </p>
      )}
      {data?.methods.demo && (
        <div className="demo-box">
          <p>
            <strong>Lab / demo mode.</strong> Look around without an account: the demo login is a read-only <em>viewer</em>.
          </p>
          <button type="button" className="secondary" onClick={demo} disabled={busy}>
            Demo login (read-only viewer)
          </button>
        </div>
      )}
      <FormError error={error} />
    </div>
  );
}
