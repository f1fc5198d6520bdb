'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch } from '@/components/auth/api-client';
import { FormError } from '@/components/auth/FieldErrors';

interface TestStatus {
  lastTestAt: string | null;
  lastTestOk: boolean | null;
  lastTestMessage: string | null;
}
interface Vcenter extends TestStatus {
  id: string;
  name: string;
  url: string;
  username: string;
  caPem: string | null;
  source: string;
}
interface KmsProvider extends TestStatus {
  id: string;
  name: string;
  nodes: { host: string; port: number }[];
  caPem: string;
  clientCertificate: { subject: string; issuer: string; notAfter: string; daysLeft: number } | null;
  hasClientKey: boolean;
  csrPem: string | null;
  source: string;
}
interface TestResult {
  ok: boolean;
  message: string;
  details: { endpoint: string; ok: boolean; message: string; ms: number }[];
}

function LastTest({ t }: { t: TestStatus }) {
  if (!t.lastTestAt) return <span className="muted">not tested</span>;
  return (
    <span className={t.lastTestOk ? 'good' : 'bad'} title={new Date(t.lastTestAt).toLocaleString()}>
      {t.lastTestOk ? 'OK' : 'failed'}: {t.lastTestMessage}
    </span>
  );
}

function TestOutcome({ result }: { result: TestResult | undefined }) {
  if (!result) return null;
  return (
    <div className={`test-result ${result.ok ? 'good' : 'bad'}`} role="status" data-testid="test-result">
      <strong>{result.message}</strong>
      <ul>
        {result.details.map((d) => (
          <li key={d.endpoint}>
            {d.endpoint}: {d.message} ({d.ms} ms)
          </li>
        ))}
      </ul>
    </div>
  );
}

const managedNote = (source: string) => (source === 'ui' ? null : <span className="muted"> (managed by {source === 'file' ? 'the targets file' : 'the lab'})</span>);

function parseNodes(text: string): { host: string; port: number }[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry);
      return { host: m?.[1] ?? entry, port: m?.[2] ? Number(m[2]) : 5696 };
    });
}

function VcentersSection() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ['targets', 'vcenters'], queryFn: () => apiFetch<{ vcenters: Vcenter[] }>('/api/v1/targets/vcenters') });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['targets', 'vcenters'] });
  const empty = { name: '', url: 'https://', username: '', password: '', caPem: '' };
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { name: form.name, url: form.url, username: form.username, caPem: form.caPem.trim() || null };
      if (form.password || !editing) body.password = form.password;
      return editing ? apiFetch(`/api/v1/targets/vcenters/${editing}`, { method: 'PATCH', body }) : apiFetch('/api/v1/targets/vcenters', { method: 'POST', body });
    },
    onSuccess: () => {
      setForm(empty);
      setEditing(null);
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: (id: string) => apiFetch<TestResult>(`/api/v1/targets/vcenters/${id}/test`, { method: 'POST' }),
    onSuccess: (res, id) => {
      setResults((r) => ({ ...r, [id]: res }));
      refresh();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => apiFetch(`/api/v1/targets/vcenters/${id}`, { method: 'DELETE' }), onSuccess: refresh });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <section className="card" data-testid="vcenters">
      <h2>vCenters</h2>
      {list.error && <FormError error={list.error} />}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>URL</th>
            <th>User</th>
            <th>Last test</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.vcenters.map((v) => (
            <tr key={v.id} data-testid={`vcenter-row-${v.name}`}>
              <td>
                {v.name}
                {managedNote(v.source)}
              </td>
              <td>{v.url}</td>
              <td>{v.username}</td>
              <td>
                <LastTest t={v} />
                <TestOutcome result={results[v.id]} />
              </td>
              <td className="actions">
                <button type="button" className="secondary" onClick={() => test.mutate(v.id)} disabled={test.isPending}>
                  Test connection
                </button>
                {v.source === 'ui' && (
                  <>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        setEditing(v.id);
                        setForm({ name: v.name, url: v.url, username: v.username, password: '', caPem: v.caPem ?? '' });
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => confirm(`Remove vCenter ${v.name}?`) && remove.mutate(v.id)}>
                      Remove
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.vcenters.length === 0 && <p className="empty">No vCenter yet.</p>}
      <h3>{editing ? 'Edit vCenter' : 'Add a vCenter'}</h3>
      <form onSubmit={submit} className="form-grid">
        <label>
          Name
          <input name="vc-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        </label>
        <label>
          URL
          <input name="vc-url" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} required />
        </label>
        <label>
          Username
          <input name="vc-username" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
        </label>
        <label>
          Password {editing && <span className="muted">(leave empty to keep the stored one)</span>}
          <input name="vc-password" type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required={!editing} />
        </label>
        <label>
          CA bundle (PEM, optional: the system trust store otherwise)
          <textarea name="vc-ca" rows={4} value={form.caPem} onChange={(e) => setForm({ ...form, caPem: e.target.value })} />
        </label>
        <FormButtons
          noun="vCenter"
          editing={Boolean(editing)}
          pending={save.isPending}
          onCancel={() => {
            setEditing(null);
            setForm(empty);
          }}
        />
      </form>
      <FormError error={save.error ?? test.error ?? remove.error} />
    </section>
  );
}

function KmsSection() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ['targets', 'kms'], queryFn: () => apiFetch<{ kmsProviders: KmsProvider[] }>('/api/v1/targets/kms-providers') });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['targets', 'kms'] });
  const empty = { name: '', nodes: '', caPem: '', clientCertPem: '', clientKeyPem: '' };
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const [certFor, setCertFor] = useState<{ id: string; pem: string } | null>(null);
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { name: form.name, nodes: parseNodes(form.nodes), caPem: form.caPem };
      if (form.clientCertPem.trim()) body.clientCertPem = form.clientCertPem;
      if (form.clientKeyPem.trim()) body.clientKeyPem = form.clientKeyPem;
      return editing ? apiFetch(`/api/v1/targets/kms-providers/${editing}`, { method: 'PATCH', body }) : apiFetch('/api/v1/targets/kms-providers', { method: 'POST', body });
    },
    onSuccess: () => {
      setForm(empty);
      setEditing(null);
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: (id: string) => apiFetch<TestResult>(`/api/v1/targets/kms-providers/${id}/test`, { method: 'POST' }),
    onSuccess: (res, id) => {
      setResults((r) => ({ ...r, [id]: res }));
      refresh();
    },
  });
  const csr = useMutation({ mutationFn: (id: string) => apiFetch(`/api/v1/targets/kms-providers/${id}/csr`, { method: 'POST', body: { commonName: 'keywatch' } }), onSuccess: refresh });
  const uploadCert = useMutation({
    mutationFn: ({ id, pem }: { id: string; pem: string }) => apiFetch(`/api/v1/targets/kms-providers/${id}`, { method: 'PATCH', body: { clientCertPem: pem } }),
    onSuccess: () => {
      setCertFor(null);
      refresh();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => apiFetch(`/api/v1/targets/kms-providers/${id}`, { method: 'DELETE' }), onSuccess: refresh });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <section className="card" data-testid="kms-providers">
      <h2>KMS providers (KMIP)</h2>
      {list.error && <FormError error={list.error} />}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Nodes</th>
            <th>Client certificate</th>
            <th>Last test</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.kmsProviders.map((k) => (
            <tr key={k.id} data-testid={`kms-row-${k.name}`}>
              <td>
                {k.name}
                {managedNote(k.source)}
              </td>
              <td>{k.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}</td>
              <td>
                {k.clientCertificate ? (
                  <span className={k.clientCertificate.daysLeft < 14 ? 'warn' : undefined}>
                    {k.clientCertificate.subject} — expires {new Date(k.clientCertificate.notAfter).toLocaleDateString()} ({k.clientCertificate.daysLeft} days)
                  </span>
                ) : k.csrPem ? (
                  <details open>
                    <summary className="warn">CSR waiting for the KMS to sign it</summary>
                    <pre className="pem" data-testid="csr-pem">{k.csrPem}</pre>
                    {certFor?.id === k.id ? (
                      <div>
                        <textarea aria-label="Signed certificate" rows={4} value={certFor.pem} onChange={(e) => setCertFor({ id: k.id, pem: e.target.value })} />
                        <button type="button" onClick={() => uploadCert.mutate(certFor)}>
                          Upload signed certificate
                        </button>
                      </div>
                    ) : (
                      <button type="button" className="secondary" onClick={() => setCertFor({ id: k.id, pem: '' })}>
                        Paste the signed certificate
                      </button>
                    )}
                  </details>
                ) : (
                  <span className="muted">none</span>
                )}
              </td>
              <td>
                <LastTest t={k} />
                <TestOutcome result={results[k.id]} />
              </td>
              <td className="actions">
                <button type="button" className="secondary" onClick={() => test.mutate(k.id)} disabled={test.isPending}>
                  Test connection
                </button>
                {k.source === 'ui' && (
                  <>
                    <button type="button" className="secondary" onClick={() => csr.mutate(k.id)}>
                      Generate CSR
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        setEditing(k.id);
                        setForm({ name: k.name, nodes: k.nodes.map((n) => `${n.host}:${n.port}`).join('\n'), caPem: k.caPem, clientCertPem: '', clientKeyPem: '' });
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => confirm(`Remove KMS provider ${k.name}?`) && remove.mutate(k.id)}>
                      Remove
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.kmsProviders.length === 0 && <p className="empty">No KMS provider yet.</p>}
      <h3>{editing ? 'Edit KMS provider' : 'Add a KMS provider'}</h3>
      <form onSubmit={submit} className="form-grid">
        <label>
          Name
          <input name="kms-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        </label>
        <label>
          Nodes (host:port, one per line; port 5696 by default)
          <textarea name="kms-nodes" rows={3} value={form.nodes} onChange={(e) => setForm({ ...form, nodes: e.target.value })} required />
        </label>
        <label>
          CA bundle that signed the KMS server certificates (PEM)
          <textarea name="kms-ca" rows={4} value={form.caPem} onChange={(e) => setForm({ ...form, caPem: e.target.value })} required={!editing} />
        </label>
        <label>
          Client certificate (PEM, optional: or generate a CSR after saving)
          <textarea name="kms-cert" rows={4} value={form.clientCertPem} onChange={(e) => setForm({ ...form, clientCertPem: e.target.value })} />
        </label>
        <label>
          Client private key (PEM; stored encrypted, never shown again)
          <textarea name="kms-key" rows={4} value={form.clientKeyPem} onChange={(e) => setForm({ ...form, clientKeyPem: e.target.value })} />
        </label>
        <FormButtons
          noun="KMS provider"
          editing={Boolean(editing)}
          pending={save.isPending}
          onCancel={() => {
            setEditing(null);
            setForm(empty);
          }}
        />
      </form>
      <FormError error={save.error ?? test.error ?? csr.error ?? uploadCert.error ?? remove.error} />
    </section>
  );
}

export function TargetsAdmin() {
  return (
    <>
      <VcentersSection />
      <KmsSection />
    </>
  );
}

/** Submit (Add / Save) and, while editing, Cancel: the same for both target forms. */
function FormButtons({ noun, editing, pending, onCancel }: { noun: string; editing: boolean; pending: boolean; onCancel: () => void }) {
  return (
    <div className="form-buttons">
      <button type="submit" disabled={pending}>
        {editing ? `Save ${noun}` : `Add ${noun}`}
      </button>
      {editing && (
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
