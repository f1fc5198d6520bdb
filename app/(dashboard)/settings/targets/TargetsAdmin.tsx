'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { apiFetch } from '@/components/common/api-client';
import { FormError } from '@/components/common/FormError';
import { queryKeys, type TargetKind } from '@/components/queries/keys';
import { useTargets, type TargetViews } from '@/components/queries/use-targets';
// Type-only: erased at build, so the client bundle does not pull in the server modules.
import type { KmsProviderView, TestStatus } from '@/lib/targets/store';
import type { ConnectionTestResult } from '@/lib/targets/test-connection';

type TargetRow = TestStatus & { id: string; name: string; source: string };
type KmsNode = KmsProviderView['nodes'][number];

function TestCell({ target, result }: { target: TestStatus; result: ConnectionTestResult | undefined }) {
  return (
    <td>
      {target.lastTestAt ? (
        <span className={target.lastTestOk ? 'good' : 'bad'} title={new Date(target.lastTestAt).toLocaleString()}>
          {target.lastTestOk ? 'OK' : 'failed'}: {target.lastTestMessage}
        </span>
      ) : (
        <span className="muted">not tested</span>
      )}
      {result && (
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
      )}
    </td>
  );
}

function NameCell({ target }: { target: TargetRow }) {
  return (
    <td>
      {target.name}
      {target.source !== 'ui' && <span className="muted"> (managed by {target.source === 'file' ? 'the targets file' : 'the lab'})</span>}
    </td>
  );
}

/** The part of `useTargetCollection` the shared row and form pieces use. */
interface TargetCollection<Row extends TargetRow> {
  edit: (row: Row) => void;
  cancel: () => void;
  editing: string | null;
  save: { isPending: boolean };
  test: { mutate: (id: string) => void; isPending: boolean };
  remove: { mutate: (id: string) => void };
}

/**
 * Test connection for every target; Edit and Remove (and `children`, placed between them) only for
 * targets added in the UI: file and lab targets are re-applied at start.
 */
function RowActions<Row extends TargetRow>({ target, noun, targets, children }: { target: Row; noun: string; targets: TargetCollection<Row>; children?: ReactNode }) {
  return (
    <td className="actions">
      <button type="button" className="secondary" onClick={() => targets.test.mutate(target.id)} disabled={targets.test.isPending}>
        Test connection
      </button>
      {target.source === 'ui' && (
        <>
          {children}
          <button type="button" className="secondary" onClick={() => targets.edit(target)}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => confirm(`Remove ${noun} ${target.name}?`) && targets.remove.mutate(target.id)}>
            Remove
          </button>
        </>
      )}
    </td>
  );
}

/** Submit (Add / Save) and, while editing, Cancel: the same for both target forms. */
function FormButtons<Row extends TargetRow>({ noun, targets }: { noun: string; targets: TargetCollection<Row> }) {
  return (
    <div className="form-buttons">
      <button type="submit" disabled={targets.save.isPending}>
        {targets.editing ? `Save ${noun}` : `Add ${noun}`}
      </button>
      {targets.editing && (
        <button type="button" className="secondary" onClick={targets.cancel}>
          Cancel
        </button>
      )}
    </div>
  );
}

/**
 * What both target kinds share: the list, the add / edit form (PATCH while editing, POST otherwise),
 * Test connection with its latest result per target, and Remove.
 */
function useTargetCollection<Kind extends TargetKind, Form extends Record<string, string>>(options: {
  kind: Kind;
  empty: Form;
  toForm: (row: TargetViews[Kind]) => Form;
  toBody: (form: Form, editing: boolean) => Record<string, unknown>;
}) {
  type Row = TargetViews[Kind];
  const { kind, empty, toForm, toBody } = options;
  const base = `/api/v1/targets/${kind}`;
  const qc = useQueryClient();
  const list = useTargets(kind);
  const refresh = () => void qc.invalidateQueries({ queryKey: queryKeys.targets(kind) });
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, ConnectionTestResult>>({});
  const cancel = () => {
    setEditing(null);
    setForm(empty);
  };
  const save = useMutation({
    mutationFn: () => {
      const body = toBody(form, editing !== null);
      return editing ? apiFetch(`${base}/${editing}`, { method: 'PATCH', body }) : apiFetch(base, { method: 'POST', body });
    },
    onSuccess: () => {
      cancel();
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: (id: string) => apiFetch<ConnectionTestResult>(`${base}/${id}/test`, { method: 'POST' }),
    onSuccess: (res, id) => {
      setResults((r) => ({ ...r, [id]: res }));
      refresh();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => apiFetch(`${base}/${id}`, { method: 'DELETE' }), onSuccess: refresh });

  return {
    rows: list.data,
    listError: list.error,
    refresh,
    form,
    /** value and onChange for the form field `key`. */
    field: (key: keyof Form & string) => ({
      value: form[key],
      onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => setForm((f) => ({ ...f, [key]: e.target.value })),
    }),
    editing,
    edit: (row: Row) => {
      setEditing(row.id);
      setForm(toForm(row));
    },
    cancel,
    submit: (event: FormEvent) => {
      event.preventDefault();
      save.mutate();
    },
    results,
    save,
    test,
    remove,
  };
}

const EMPTY_VCENTER = { name: '', url: 'https://', username: '', password: '', caPem: '' };

function VcentersSection() {
  const targets = useTargetCollection({
    kind: 'vcenters',
    empty: EMPTY_VCENTER,
    toForm: (v) => ({ name: v.name, url: v.url, username: v.username, password: '', caPem: v.caPem ?? '' }),
    toBody: (form, editing) => {
      const body: Record<string, unknown> = { name: form.name, url: form.url, username: form.username, caPem: form.caPem.trim() || null };
      // An edit without a password keeps the stored one.
      if (form.password || !editing) body.password = form.password;
      return body;
    },
  });
  const { rows, editing, field, save, test, remove } = targets;

  return (
    <section className="card" data-testid="vcenters">
      <h2>vCenters</h2>
      <FormError error={targets.listError} />
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
          {rows?.map((v) => (
            <tr key={v.id} data-testid={`vcenter-row-${v.name}`}>
              <NameCell target={v} />
              <td>{v.url}</td>
              <td>{v.username}</td>
              <TestCell target={v} result={targets.results[v.id]} />
              <RowActions target={v} noun="vCenter" targets={targets} />
            </tr>
          ))}
        </tbody>
      </table>
      {rows?.length === 0 && <p className="empty">No vCenter yet.</p>}
      <h3>{editing ? 'Edit vCenter' : 'Add a vCenter'}</h3>
      <form onSubmit={targets.submit} className="form-grid">
        <label>
          Name
          <input name="vc-name" {...field('name')} required />
        </label>
        <label>
          URL
          <input name="vc-url" {...field('url')} required />
        </label>
        <label>
          Username
          <input name="vc-username" {...field('username')} required />
        </label>
        <label>
          Password {editing && <span className="muted">(leave empty to keep the stored one)</span>}
          <input name="vc-password" type="password" autoComplete="new-password" {...field('password')} required={!editing} />
        </label>
        <label>
          CA bundle (PEM, optional: the system trust store otherwise)
          <textarea name="vc-ca" rows={4} {...field('caPem')} />
        </label>
        <FormButtons noun="vCenter" targets={targets} />
      </form>
      <FormError error={save.error ?? test.error ?? remove.error} />
    </section>
  );
}

const EMPTY_KMS = { name: '', nodes: '', caPem: '', clientCertPem: '', clientKeyPem: '' };

const formatNodes = (nodes: KmsNode[], separator: string) => nodes.map((n) => `${n.host}:${n.port}`).join(separator);

/** "host", "host:port", "[v6]:port", separated by commas or white space; the server validates them. */
function parseNodes(text: string): KmsNode[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry);
      return { host: m?.[1] ?? entry, port: m?.[2] ? Number(m[2]) : 5696 };
    });
}

function KmsSection() {
  const targets = useTargetCollection({
    kind: 'kms-providers',
    empty: EMPTY_KMS,
    toForm: (k) => ({ name: k.name, nodes: formatNodes(k.nodes, '\n'), caPem: k.caPem, clientCertPem: '', clientKeyPem: '' }),
    toBody: (form) => {
      const body: Record<string, unknown> = { name: form.name, nodes: parseNodes(form.nodes), caPem: form.caPem };
      if (form.clientCertPem.trim()) body.clientCertPem = form.clientCertPem;
      if (form.clientKeyPem.trim()) body.clientKeyPem = form.clientKeyPem;
      return body;
    },
  });
  const { rows, editing, field, refresh, save, test, remove } = targets;
  const [certFor, setCertFor] = useState<{ id: string; pem: string } | null>(null);
  const csr = useMutation({ mutationFn: (id: string) => apiFetch(`/api/v1/targets/kms-providers/${id}/csr`, { method: 'POST', body: { commonName: 'keywatch' } }), onSuccess: refresh });
  const uploadCert = useMutation({
    mutationFn: ({ id, pem }: { id: string; pem: string }) => apiFetch(`/api/v1/targets/kms-providers/${id}`, { method: 'PATCH', body: { clientCertPem: pem } }),
    onSuccess: () => {
      setCertFor(null);
      refresh();
    },
  });

  return (
    <section className="card" data-testid="kms-providers">
      <h2>KMS providers (KMIP)</h2>
      <FormError error={targets.listError} />
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
          {rows?.map((k) => (
            <tr key={k.id} data-testid={`kms-row-${k.name}`}>
              <NameCell target={k} />
              <td>{formatNodes(k.nodes, ', ')}</td>
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
              <TestCell target={k} result={targets.results[k.id]} />
              <RowActions target={k} noun="KMS provider" targets={targets}>
                <button type="button" className="secondary" onClick={() => csr.mutate(k.id)}>
                  Generate CSR
                </button>
              </RowActions>
            </tr>
          ))}
        </tbody>
      </table>
      {rows?.length === 0 && <p className="empty">No KMS provider yet.</p>}
      <h3>{editing ? 'Edit KMS provider' : 'Add a KMS provider'}</h3>
      <form onSubmit={targets.submit} className="form-grid">
        <label>
          Name
          <input name="kms-name" {...field('name')} required />
        </label>
        <label>
          Nodes (host:port, one per line; port 5696 by default)
          <textarea name="kms-nodes" rows={3} {...field('nodes')} required />
        </label>
        <label>
          CA bundle that signed the KMS server certificates (PEM)
          <textarea name="kms-ca" rows={4} {...field('caPem')} required={!editing} />
        </label>
        <label>
          Client certificate (PEM, optional: or generate a CSR after saving)
          <textarea name="kms-cert" rows={4} {...field('clientCertPem')} />
        </label>
        <label>
          Client private key (PEM; stored encrypted, never shown again)
          <textarea name="kms-key" rows={4} {...field('clientKeyPem')} />
        </label>
        <FormButtons noun="KMS provider" targets={targets} />
      </form>
      <FormError error={save.error ?? test.error ?? csr.error ?? uploadCert.error ?? remove.error} />
    </section>
  );
}

const EMPTY_OPENSTACK = { name: '', authUrl: 'https://', username: '', password: '', userDomain: 'Default', projectName: '', projectDomain: 'Default', region: '', interface: 'public', caPem: '' };

function OpenstackSection() {
  const targets = useTargetCollection({
    kind: 'openstack',
    empty: EMPTY_OPENSTACK,
    toForm: (c) => ({
      name: c.name,
      authUrl: c.authUrl,
      username: c.username,
      password: '',
      userDomain: c.userDomain,
      projectName: c.projectName,
      projectDomain: c.projectDomain,
      region: c.region ?? '',
      interface: c.interface,
      caPem: c.caPem ?? '',
    }),
    toBody: (form, editing) => {
      const body: Record<string, unknown> = {
        name: form.name,
        authUrl: form.authUrl,
        username: form.username,
        userDomain: form.userDomain,
        projectName: form.projectName,
        projectDomain: form.projectDomain,
        region: form.region.trim(),
        interface: form.interface,
        caPem: form.caPem.trim() || null,
      };
      // An edit without a password keeps the stored one.
      if (form.password || !editing) body.password = form.password;
      return body;
    },
  });
  const { rows, editing, field, save, test, remove } = targets;

  return (
    <section className="card" data-testid="openstack-clouds">
      <h2>OpenStack clouds</h2>
      <FormError error={targets.listError} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Keystone</th>
            <th>User / project</th>
            <th>Region / interface</th>
            <th>Last test</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows?.map((c) => (
            <tr key={c.id} data-testid={`openstack-row-${c.name}`}>
              <NameCell target={c} />
              <td>{c.authUrl}</td>
              <td>
                {c.username}@{c.userDomain} / {c.projectName}@{c.projectDomain}
              </td>
              <td>
                {c.region ?? 'any region'} / {c.interface}
              </td>
              <TestCell target={c} result={targets.results[c.id]} />
              <RowActions target={c} noun="OpenStack cloud" targets={targets} />
            </tr>
          ))}
        </tbody>
      </table>
      {rows?.length === 0 && <p className="empty">No OpenStack cloud yet.</p>}
      <h3>{editing ? 'Edit OpenStack cloud' : 'Add an OpenStack cloud'}</h3>
      <form onSubmit={targets.submit} className="form-grid">
        <label>
          Name
          <input name="os-name" {...field('name')} required />
        </label>
        <label>
          Keystone URL (https, with or without /v3)
          <input name="os-auth-url" {...field('authUrl')} required />
        </label>
        <label>
          User (admin in the project Cinder migrates keys to, usually service)
          <input name="os-username" {...field('username')} required />
        </label>
        <label>
          Password {editing && <span className="muted">(leave empty to keep the stored one)</span>}
          <input name="os-password" type="password" autoComplete="new-password" {...field('password')} required={!editing} />
        </label>
        <label>
          User domain
          <input name="os-user-domain" {...field('userDomain')} required />
        </label>
        <label>
          Project
          <input name="os-project" {...field('projectName')} required />
        </label>
        <label>
          Project domain
          <input name="os-project-domain" {...field('projectDomain')} required />
        </label>
        <label>
          Region (empty: any)
          <input name="os-region" {...field('region')} />
        </label>
        <label>
          Interface
          <select name="os-interface" {...field('interface')}>
            <option value="public">public</option>
            <option value="internal">internal</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>
          CA bundle (PEM, optional: the system trust store otherwise)
          <textarea name="os-ca" rows={4} {...field('caPem')} />
        </label>
        <FormButtons noun="OpenStack cloud" targets={targets} />
      </form>
      <FormError error={save.error ?? test.error ?? remove.error} />
    </section>
  );
}

export function TargetsAdmin() {
  return (
    <>
      <VcentersSection />
      <KmsSection />
      <OpenstackSection />
    </>
  );
}
