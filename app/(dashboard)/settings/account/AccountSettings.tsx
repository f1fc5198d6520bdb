'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { queryKeys } from '@/components/queries/keys';
import { useSession } from '@/components/queries/use-session';
import { MIN_PASSWORD_LENGTH } from '@/lib/auth/password-rules';

interface SecondFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  pending: boolean;
  recoveryCodesLeft: number;
  available: boolean;
  requiredForAdmins: boolean;
}

/** One's own password and authenticator app (local accounts; SSO accounts manage both at their provider). */
export function AccountSettings() {
  const { data: session } = useSession();
  const user = session?.user;
  if (!user) return null;
  if (!user.local) {
    return (
      <p className="lede">
        {user.isDemo ? 'The demo account has no password or second factor.' : 'You sign in through single sign-on: your password and second factor are managed by your identity provider.'}
      </p>
    );
  }
  return (
    <>
      <PasswordChange />
      <SecondFactor />
    </>
  );
}

function PasswordChange() {
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => apiFetch('/api/auth/password', { method: 'POST', body }),
    onSuccess: () => setDone(true),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    setDone(false);
    change.mutate({ currentPassword: String(fields.get('currentPassword') ?? ''), newPassword: String(fields.get('newPassword') ?? '') }, { onSuccess: () => form.reset() });
  }
  return (
    <section className="card" data-testid="password-change">
      <h2>Password</h2>
      <form onSubmit={submit} className="form-grid">
        <label>
          Current password
          <input name="currentPassword" type="password" autoComplete="current-password" required />
        </label>
        <label>
          New password
          <input name="newPassword" type="password" autoComplete="new-password" minLength={MIN_PASSWORD_LENGTH} required />
        </label>
        <p className="muted">At least {MIN_PASSWORD_LENGTH} characters, and not one of the passwords known from breaches. Your other sessions end.</p>
        <button type="submit" disabled={change.isPending}>
          Change password
        </button>
      </form>
      {done && <p className="good">Password changed.</p>}
      <FormError error={change.error} />
    </section>
  );
}

function SecondFactor() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: [...queryKeys.session(), 'totp'], queryFn: () => apiFetch<SecondFactorStatus>('/api/auth/totp') });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.session() });
  };
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const start = useMutation({ mutationFn: () => apiFetch<{ secret: string; uri: string }>('/api/auth/totp', { method: 'POST' }), onSuccess: setEnrolment });
  const confirm = useMutation({
    mutationFn: (code: string) => apiFetch<{ recoveryCodes: string[] }>('/api/auth/totp/confirm', { method: 'POST', body: { code } }),
    onSuccess: (res) => {
      setEnrolment(null);
      setCodes(res.recoveryCodes);
      refresh();
    },
  });
  const regenerate = useMutation({ mutationFn: () => apiFetch<{ recoveryCodes: string[] }>('/api/auth/totp/recovery-codes', { method: 'POST' }), onSuccess: (res) => setCodes(res.recoveryCodes) });
  const remove = useMutation({ mutationFn: () => apiFetch('/api/auth/totp', { method: 'DELETE' }), onSuccess: refresh });

  function submitCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    confirm.mutate(String(new FormData(event.currentTarget).get('code') ?? '').trim());
  }

  const s = status.data;
  return (
    <section className="card" data-testid="second-factor">
      <h2>Authenticator app (two-step sign-in)</h2>
      <FormError error={status.error} />
      {codes && (
        <div className="token-shown" data-testid="recovery-codes">
          <p className="warn">Recovery codes: each signs you in once if you lose your phone. Store them now; they are not shown again.</p>
          <pre className="secret-once">{codes.join('\n')}</pre>
          <button type="button" className="secondary" onClick={() => setCodes(null)}>
            I have stored them
          </button>
        </div>
      )}
      {s?.enabled ? (
        <>
          <p className="good" data-testid="totp-state">
            On since {s.enabledAt ? new Date(s.enabledAt).toLocaleDateString() : '—'}; {s.recoveryCodesLeft} recovery code(s) left.
          </p>
          <div className="form-buttons">
            <button type="button" className="secondary" onClick={() => regenerate.mutate()}>
              New recovery codes
            </button>
            <button type="button" className="danger" onClick={() => window.confirm('Turn two-step sign-in off?') && remove.mutate()}>
              Remove authenticator
            </button>
          </div>
        </>
      ) : enrolment ? (
        <form onSubmit={submitCode} className="form-grid" data-testid="totp-enrolment">
          <p>Add this account to your authenticator app (Google Authenticator, FreeOTP, 1Password, …) with the key below, then enter the code it shows.</p>
          <dl className="facts">
            <dt>Key</dt>
            <dd>
              <code data-testid="totp-secret">{enrolment.secret}</code>
            </dd>
            <dt>Link</dt>
            <dd>
              <a href={enrolment.uri}>{enrolment.uri}</a>
            </dd>
          </dl>
          <label>
            Code from the app
            <input name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
          </label>
          <button type="submit" disabled={confirm.isPending}>
            Turn on
          </button>
        </form>
      ) : (
        <>
          <p data-testid="totp-state">{s?.requiredForAdmins ? 'Off. Administrators must turn it on before they can administer.' : 'Off.'}</p>
          <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
            Set up an authenticator
          </button>
        </>
      )}
      <FormError error={start.error ?? confirm.error ?? regenerate.error ?? remove.error} />
    </section>
  );
}
