'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiFetch } from './api-client';
import { FormError } from './FieldErrors';
import { SESSION_QUERY_KEY } from './use-session';

export function SetupForm() {
  const search = useSearchParams();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const token = search.get('token') ?? '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await apiFetch('/api/auth/setup', { method: 'POST', body: { token, username, password } });
      await queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
      router.replace('/settings');
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div className="card login-card">
      <h1>Create the first admin</h1>
      <p className="lede">This one-time link was printed in the server log. Choose the administrator&apos;s name and a password of at least 12 characters.</p>
      <form onSubmit={submit} className="form-grid">
        <label>
          Username
          <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={12} />
        </label>
        <button type="submit" disabled={!token}>
          Create admin and sign in
        </button>
      </form>
      {!token && <p className="bad">The link has no token; copy the whole link from the server log.</p>}
      <FormError error={error} />
    </div>
  );
}
