'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { queryKeys } from '@/components/queries/keys';
import { useTokens } from '@/components/queries/use-tokens';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { TokenScope } from '@/lib/auth/policy';

const SCOPES: readonly { id: TokenScope; help: string }[] = [
  { id: 'read', help: 'read dashboards, alerts, campaigns, audit, metrics' },
  { id: 'gate', help: 'run readiness checks (patch pipelines)' },
  { id: 'actions', help: 'maintenance / reboot, acknowledgements, campaign steps' },
  { id: 'admin', help: 'everything, including users, tokens and targets' },
];

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function TokensAdmin() {
  const queryClient = useQueryClient();
  const tokens = useTokens();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.tokens() });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [days, setDays] = useState('90');
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation({
    mutationFn: () =>
      apiFetch<{ token: string; name: string }>('/api/v1/tokens', { method: 'POST', body: { name, scopes, expiresInDays: days === 'never' ? null : Number(days) } }),
    onSuccess: (res) => {
      setShown({ name: res.name, token: res.token });
      setName('');
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/v1/tokens/${id}`, { method: 'DELETE' }),
    onSuccess: refresh,
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <>
      {shown && (
        <section className="card token-shown" data-testid="new-token">
          <h2>Token “{shown.name}” created</h2>
          <p className="warn">Copy it now: Keywatch stores only its hash and will never show it again.</p>
          <pre className="secret-once" data-testid="new-token-value">{shown.token}</pre>
          <button type="button" className="secondary" onClick={() => setShown(null)}>
            I have copied it
          </button>
        </section>
      )}
      <section className="card">
        <h2>API tokens</h2>
        <p className="lede">For automation: send <code>Authorization: Bearer kw_…</code>.</p>
        <FormError error={tokens.error} />
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Token</th>
              <th>Scopes</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data?.tokens.map((t) => (
              <tr key={t.id} data-testid={`token-row-${t.name}`}>
                <td>{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{t.scopes.join(', ')}</td>
                <td>
                  {when(t.createdAt)}
                  {t.createdBy ? ` by ${t.createdBy}` : ''}
                </td>
                <td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
                <td>{when(t.lastUsedAt)}</td>
                <td>
                  {t.revokedAt ? (
                    <span className="bad">revoked</span>
                  ) : (
                    <button type="button" className="danger" onClick={() => revoke.mutate(t.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Create a token</h2>
        <form onSubmit={submit} className="form-grid">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. patch pipeline" required />
          </label>
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label key={s.id} className="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s.id)}
                  onChange={(e) => setScopes(e.target.checked ? [...scopes, s.id] : scopes.filter((x) => x !== s.id))}
                />
                <strong>{s.id}</strong> — {s.help}
              </label>
            ))}
          </fieldset>
          <label>
            Expires after
            <select value={days} onChange={(e) => setDays(e.target.value)}>
              <option value="30">30 days</option>
              <option value="90">90 days</option>
              <option value="365">1 year</option>
              <option value="never">never</option>
            </select>
          </label>
          <button type="submit" disabled={create.isPending}>
            Create token
          </button>
        </form>
        <FormError error={create.error ?? revoke.error} />
      </section>
    </>
  );
}
