'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { useHydrated } from '@/components/common/use-hydrated';
import { queryKeys } from '@/components/queries/keys';
import { MIN_PASSWORD_LENGTH } from '@/lib/auth/password-rules';

export function SetupForm() {
  const search = useSearchParams();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const hydrated = useHydrated();
  const token = search.get('token') ?? '';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget);
    const username = String(fields.get('username') ?? '');
    const password = String(fields.get('password') ?? '');
    setError(null);
    try {
      await apiFetch('/api/auth/setup', { method: 'POST', body: { token, username, password } });
      await queryClient.invalidateQueries({ queryKey: queryKeys.session() });
      router.replace('/settings');
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div className="card login-card">
      <h1>Create the first admin</h1>
      <p className="lede">This one-time link was printed in the server log. Choose the administrator&apos;s name and a password of at least {MIN_PASSWORD_LENGTH} characters.</p>
      <form onSubmit={submit} method="post" className="form-grid">
        <label>
          Username
          <input name="username" defaultValue="admin" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD_LENGTH} />
        </label>
        <button type="submit" disabled={!hydrated || !token}>
          Create admin and sign in
        </button>
      </form>
      {!token && <p className="bad">The link has no token; copy the whole link from the server log.</p>}
      <FormError error={error} />
    </div>
  );
}
