'use client';

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Badge, StatusBadge } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';
import { DataTable, FlaggedText, type Column } from '@/components/common/DataTable';
import { LoadState } from '@/components/common/LoadState';
import { useOpenstackCloud } from '@/components/queries/use-openstack-cloud';
import type { OpenstackCloudDetailView, OpenstackCloudSummaryView } from '@/lib/observations/openstack-view';

const STATE_COLORS: Record<string, string> = {
  migrated: '#16a34a',
  'fixed-key': '#d97706',
  dangling: '#dc2626',
  anomalous: '#9333ea',
  'cannot-verify': '#0891b2',
  unknown: '#6b7280',
  unencrypted: '#94a3b8',
};
const STATES = ['dangling', 'anomalous', 'unknown', 'cannot-verify', 'fixed-key', 'migrated', 'unencrypted'] as const;
/** Legend entries in the text colour: recharts colours them like their series, too faint to read on either theme. */
const legendText = (value: string) => <span className="chart-legend-text">{value}</span>;
const API_TONE: Record<string, 'good' | 'warn' | 'bad' | 'neutral'> = { ok: 'good', skipped: 'neutral', error: 'warn', 'auth-failing': 'bad', 'backend-error': 'bad', down: 'bad' };

function BarbicanLatency({ cloud }: { cloud: OpenstackCloudDetailView }) {
  const api = cloud.latency.find((l) => l.metric === 'apiLatencyMs')?.points ?? [];
  const up = cloud.latency.find((l) => l.metric === 'up')?.points ?? [];
  const data = api.map((p) => ({ t: p.t, ms: Number(p.value.toFixed(1)) }));
  const downBuckets = up.filter((p) => p.min === 0).length;
  const last = data[data.length - 1];
  return (
    <figure className="chart-body" data-testid="barbican-latency">
      {data.length === 0 ? (
        <p className="load-state empty">No Barbican samples in the last 24 h yet.</p>
      ) : (
        <div className="chart-plot" style={{ height: 200 }}>
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={data}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="t" tickFormatter={(t: string) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} minTickGap={40} />
              <YAxis unit=" ms" width={70} />
              <Tooltip labelFormatter={(t) => new Date(String(t)).toLocaleString()} />
              <Line type="monotone" dataKey="ms" name="GET /v1/secrets?limit=1" stroke="#2563eb" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <figcaption className="chart-summary">
        Barbican&apos;s authenticated check over the last 24 h (five-minute averages): {data.length} point(s)
        {last ? `, latest ${last.ms} ms` : ''}; {downBuckets === 0 ? 'no failed check.' : `${downBuckets} five-minute period(s) with a failed check.`}
      </figcaption>
    </figure>
  );
}

function KeyStateChart({ cloud }: { cloud: OpenstackCloudDetailView }) {
  const data = (['volume', 'snapshot', 'backup'] as const).map((kind) => ({ kind: `${kind}s`, ...cloud.counts[kind] }));
  const summary = data.map((d) => `${d.kind}: ${STATES.filter((s) => d[s] > 0).map((s) => `${d[s]} ${s}`).join(', ') || 'none'}`).join('; ');
  return (
    <figure className="chart-body" data-testid="key-state-chart">
      <div className="chart-plot" style={{ height: 220 }}>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data} layout="vertical">
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} />
            <YAxis type="category" dataKey="kind" width={90} />
            <Tooltip />
            <Legend formatter={legendText} />
            {STATES.map((s) => (
              <Bar key={s} dataKey={s} stackId="state" fill={STATE_COLORS[s]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="chart-summary">{summary}.</figcaption>
    </figure>
  );
}

function MigrationByHost({ cloud }: { cloud: OpenstackCloudDetailView }) {
  const hosts = cloud.hosts.filter((h) => h.volumes + h.snapshots > 0 || h.services.length > 0);
  const data = hosts.map((h) => ({ host: h.group, 'on fixed key': h.fixedKey.volumes + h.fixedKey.snapshots, migrated: h.volumes + h.snapshots - h.fixedKey.volumes - h.fixedKey.snapshots }));
  return (
    <>
      {data.length > 0 && (
        // As tall as its bars and legend: the usual chart height would leave a gap under a few hosts.
        <div className="chart-plot" style={{ height: 70 + 28 * data.length, minHeight: 0 }}>
          <ResponsiveContainer width="100%" height={70 + 28 * data.length}>
            <BarChart data={data} layout="vertical">
              <XAxis type="number" allowDecimals={false} />
              {/* Every host named: recharts would otherwise skip labels it thinks crowded. */}
              <YAxis type="category" dataKey="host" width={140} interval={0} />
              <Tooltip />
              <Legend formatter={legendText} />
              <Bar dataKey="on fixed key" stackId="m" fill={STATE_COLORS['fixed-key']} isAnimationActive={false} />
              <Bar dataKey="migrated" stackId="m" fill={STATE_COLORS.migrated} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      <DataTable caption="Fixed-key migration by cinder-volume host" testId="migration-hosts" columns={MIGRATION_HOST_COLUMNS} rows={hosts} rowKey={(h) => h.group} emptyText="No cinder-volume host holds volumes or snapshots." />
      {cloud.backupMigration && cloud.backupMigration.fixedKey > 0 && <p className={cloud.backupMigration.stuck ? 'bad' : 'muted'}>Backups: {cloud.backupMigration.reason}.</p>}
    </>
  );
}

const MIGRATION_HOST_COLUMNS: readonly Column<OpenstackCloudDetailView['hosts'][number]>[] = [
  { id: 'host', header: 'cinder-volume host', className: 'mono', cell: (h) => h.group },
  { id: 'rows', header: 'Volumes / snapshots', cell: (h) => `${h.volumes} / ${h.snapshots}` },
  { id: 'fixedKey', header: 'On the fixed key', cell: (h) => `${h.fixedKey.volumes} / ${h.fixedKey.snapshots}` },
  { id: 'service', header: 'Service', cell: (h) => h.services.map((x) => `${x.state}, ${x.status}`).join('; ') || 'none registered' },
  {
    id: 'migration',
    header: 'Migration',
    cell: (h) => (
      <span title={h.reason}>
        <Badge tone={h.state === 'done' ? 'good' : h.state === 'stuck' ? 'bad' : 'warn'}>{h.state}</Badge>
      </span>
    ),
  },
];

const PROBLEM_COLUMNS: readonly Column<OpenstackCloudDetailView['problems'][number]>[] = [
  { id: 'state', header: 'Key state', cell: (p) => <Badge tone={p.keyState === 'dangling' ? 'bad' : 'warn'}>{p.keyState}</Badge> },
  {
    id: 'row',
    header: 'Row',
    cell: (p) => (
      <>
        {p.kind} {p.name ?? ''} <span className="mono muted">{p.osId}</span>
      </>
    ),
  },
  { id: 'project', header: 'Project', className: 'mono', cell: (p) => p.projectId ?? '—' },
  { id: 'key', header: 'Key ID', className: 'mono', cell: (p) => p.keyId ?? '—' },
  { id: 'why', header: 'Why', cell: (p) => p.reason ?? p.anomalies.join(', ') },
];

const PROJECT_COLUMNS: readonly Column<OpenstackCloudDetailView['projects'][number]>[] = [
  { id: 'project', header: 'Project', className: 'mono', cell: (p) => p.projectId },
  { id: 'rows', header: 'Rows', cell: (p) => p.rows },
  { id: 'encrypted', header: 'Encrypted', cell: (p) => p.encrypted },
  { id: 'fixedKey', header: 'On the fixed key', cell: (p) => p.fixedKey },
  { id: 'migrated', header: 'Migrated', cell: (p) => p.migrated },
  { id: 'problems', header: 'Need attention', cell: (p) => <FlaggedText bad={p.problems > 0}>{p.problems}</FlaggedText> },
  { id: 'unverifiable', header: 'Cannot verify', cell: (p) => p.unverifiable },
];

/** Rows whose key Keywatch may not read (Barbican's 403): a permission gap to close, not a broken key. */
function unverifiableTotal(cloud: OpenstackCloudDetailView): number {
  return cloud.counts.volume['cannot-verify'] + cloud.counts.snapshot['cannot-verify'] + cloud.counts.backup['cannot-verify'];
}

function Problems({ cloud }: { cloud: OpenstackCloudDetailView }) {
  const attention = cloud.problems.filter((p) => p.keyState !== 'cannot-verify');
  const unverifiable = cloud.problems.filter((p) => p.keyState === 'cannot-verify');
  const unverifiableCount = unverifiableTotal(cloud);
  const attentionCount = cloud.problemsTotal - unverifiableCount;
  const table = (rows: typeof attention, caption: string, testId: string) => (
    <DataTable caption={caption} testId={testId} columns={PROBLEM_COLUMNS} rows={rows} rowKey={(p) => p.id} rowTestId={(p) => `problem-${p.keyState}`} />
  );
  return (
    <>
      {attention.length > 0 ? (
        table(attention, 'Encrypted rows whose key needs attention', 'openstack-problems')
      ) : (
        <p className="load-state empty">{unverifiableCount === 0 ? 'Every encrypted row’s key checked out.' : 'No dangling, anomalous or unchecked key among the keys Keywatch may read.'}</p>
      )}
      {attentionCount > attention.length && <p className="muted">{`Showing ${attention.length} of ${attentionCount}.`}</p>}
      {unverifiableCount > 0 && (
        <details data-testid="unverifiable-keys">
          <summary>{`${unverifiableCount} row(s) whose key Keywatch may not read, so cannot verify`}</summary>
          <p className="muted">
            Barbican answers 403 for these secrets: they live in projects the Keystone user Keywatch signs in as cannot read (often the cinder service project&apos;s). Give that user a reader role there, or
            add it to the secrets&apos; read ACL, and the next poll checks them.
          </p>
          {table(unverifiable, 'Encrypted rows whose key Keywatch cannot verify', 'openstack-unverifiable')}
          {unverifiableCount > unverifiable.length && <p className="muted">{`Showing ${unverifiable.length} of ${unverifiableCount}.`}</p>}
        </details>
      )}
    </>
  );
}

function Projects({ cloud }: { cloud: OpenstackCloudDetailView }) {
  return (
    <DataTable caption="Projects" testId="openstack-projects" columns={PROJECT_COLUMNS} rows={cloud.projects} rowKey={(p) => p.projectId} emptyText="No project has volumes, snapshots or backups." />
  );
}

export function CloudPanel({ summary }: { summary: OpenstackCloudSummaryView }) {
  const query = useOpenstackCloud(summary.id);
  const cloud = query.data;
  const f = summary.freshness;
  const b = summary.barbican;
  return (
    <section className="openstack-cloud" aria-label={`OpenStack cloud ${summary.name}`} aria-busy={query.isPending || undefined} data-testid={`openstack-cloud-${summary.name}`}>
      <h2>
        {summary.name} <span className="muted">{summary.authUrl}</span>
      </h2>
      <p>
        {f.lastSuccessAt ? `Polled ${f.ageSeconds} s ago` : 'Not polled yet'}
        {f.stale ? ' (stale)' : ''}
        {f.lastError ? ` · last poll: ${f.lastError}` : ''} · {summary.openAlerts} open alert(s)
      </p>
      <div className="card-grid">
        <Card title="Barbican" testId="barbican-health">
          {b ? (
            <p>
              API <Badge tone={API_TONE[b.api] ?? 'neutral'} testId="barbican-api">{b.api}</Badge> · process check <Badge tone={b.process === 'ok' ? 'good' : b.process === 'absent' ? 'neutral' : 'bad'}>{b.process}</Badge>
              <br />
              <span className="muted">{b.detail}</span>
            </p>
          ) : (
            <p className="muted">No poll stored yet.</p>
          )}
          {cloud && <BarbicanLatency cloud={cloud} />}
        </Card>
        <Card title="Can fixed_key be removed?" testId="fixed-key-verdict">
          {cloud ? (
            <>
              <StatusBadge status={cloud.fixedKeyRemoval.verdict === 'SAFE' ? 'READY' : 'BLOCKED'} label={cloud.fixedKeyRemoval.verdict} testId="fixed-key-verdict-badge" />
              <ul>
                {cloud.fixedKeyRemoval.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </>
          ) : (
            <LoadState loading={query.isPending} error={query.error}>
              {null}
            </LoadState>
          )}
        </Card>
      </div>
      <LoadState loading={query.isPending} error={query.error}>
        {cloud && (
          <>
            <Card title={`Keys that need attention (${cloud.problemsTotal - unverifiableTotal(cloud)})`} testId="problems-card">
              <Problems cloud={cloud} />
            </Card>
            <Card title="Volumes, snapshots and backups by key state">
              <KeyStateChart cloud={cloud} />
            </Card>
            <Card title="Migration to Barbican by cinder-volume host">
              <MigrationByHost cloud={cloud} />
            </Card>
            <Card title="By project">
              <Projects cloud={cloud} />
            </Card>
            {cloud.errors.length > 0 && (
              <Card title="What the last poll could not read">
                <ul>
                  {cloud.errors.map((e) => (
                    <li key={`${e.area}:${e.message}`}>
                      <span className="mono">{e.area}</span>: {e.message}
                    </li>
                  ))}
                </ul>
              </Card>
            )}
          </>
        )}
      </LoadState>
    </section>
  );
}
