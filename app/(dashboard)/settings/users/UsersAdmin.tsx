'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { queryKeys } from '@/components/queries/keys';
import { useUsers } from '@/components/queries/use-users';
import { MIN_PASSWORD_LENGTH } from '@/lib/auth/password-rules';
import { ROLES } from '@/lib/auth/policy';

const EMPTY_FORM = { username: '', displayName: '', role: 'viewer', password: '' };

export function UsersAdmin() {
  const queryClient = useQueryClient();
  const users = useUsers();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.users() });
  const [form, setForm] = useState(EMPTY_FORM);
  const create = useMutation({
    mutationFn: () => apiFetch('/api/v1/users', { method: 'POST', body: { ...form, displayName: form.displayName || undefined } }),
    onSuccess: () => {
      setForm(EMPTY_FORM);
      refresh();
    },
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Record<string, unknown> }) => apiFetch(`/api/v1/users/${id}`, { method: 'PATCH', body }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => apiFetch(`/api/v1/users/${id}`, { method: 'DELETE' }), onSuccess: refresh });

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <>
      <section className="card">
        <h2>Users</h2>
        <FormError error={users.error} />
        <table>
          <thead>
            <tr>
              <th>Username</th>
              <th>Role</th>
              <th>Sign-in</th>
              <th>Last sign-in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data?.users.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.username}`}>
                <td>
                  {u.username}
                  {u.displayName ? <span className="muted"> ({u.displayName})</span> : null}
                  {u.disabled ? <span className="bad"> disabled</span> : null}
                </td>
                <td>
                  <select aria-label={`Role of ${u.username}`} value={u.role} disabled={u.isDemo} onChange={(e) => update.mutate({ id: u.id, body: { role: e.target.value } })}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td>{u.isDemo ? 'demo (no password)' : u.sso ? 'SSO' : 'password'}</td>
                <td>{u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : '—'}</td>
                <td className="actions">
                  {!u.isDemo && (
                    <button type="button" className="secondary" onClick={() => update.mutate({ id: u.id, body: { disabled: !u.disabled } })}>
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                  )}
                  <button type="button" className="danger" onClick={() => confirm(`Delete ${u.username}?`) && remove.mutate(u.id)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <FormError error={update.error ?? remove.error} />
      </section>
      <section className="card">
        <h2>Add a user</h2>
        <form onSubmit={submit} className="form-row">
          <input aria-label="Username" placeholder="username" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
          <input aria-label="Display name" placeholder="display name (optional)" value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
          <select aria-label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <input aria-label="Password" type="password" placeholder={`password (${MIN_PASSWORD_LENGTH}+ characters)`} autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
          <button type="submit" disabled={create.isPending}>
            Add user
          </button>
        </form>
        <FormError error={create.error} />
      </section>
    </>
  );
}
