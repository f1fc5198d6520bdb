'use client';

import ReadinessPanel from './ReadinessPanel';
import Link from 'next/link';
import { DataTable, FlaggedText, type Column } from '@/components/common/DataTable';
import { useHost } from '@/components/queries/use-host';

const yesNo = (v: boolean | null, yes: string, no: string) => (v === null ? 'unknown' : v ? yes : no);
type HostView = NonNullable<ReturnType<typeof useHost>['data']>;

const KEY_COLUMNS: readonly Column<HostView['keyCache']['keys'][number]>[] = [
  { id: 'key', header: 'Key', className: 'mono', cell: (k) => k.keyId },
  { id: 'purpose', header: 'Purpose', cell: (k) => k.purpose },
  { id: 'provider', header: 'Provider', cell: (k) => k.providerId ?? '—' },
  { id: 'usedBy', header: 'Used by', cell: (k) => k.usedBy.join(', ') },
  { id: 'loaded', header: 'Loaded', cell: (k) => <FlaggedText bad={k.loaded === false} title={k.evidence}>{yesNo(k.loaded, 'loaded', 'not loaded')}</FlaggedText> },
];

const DISK_GROUP_COLUMNS: readonly Column<HostView['diskGroups'][number]>[] = [
  { id: 'uuid', header: 'Disk group', className: 'mono', cell: (g) => g.uuid },
  { id: 'mounted', header: 'Mounted', cell: (g) => <FlaggedText bad={!g.mounted}>{g.mounted ? 'mounted' : 'unmounted'}</FlaggedText> },
  { id: 'encrypted', header: 'Encrypted', cell: (g) => (g.encrypted ? `yes${g.kekId ? ` (KEK ${g.kekId})` : ''}` : 'no') },
  { id: 'keysLoaded', header: 'Keys loaded', cell: (g) => <FlaggedText bad={g.keysLoaded === false}>{g.encrypted ? yesNo(g.keysLoaded, 'loaded', 'not loaded') : '—'}</FlaggedText> },
  { id: 'disks', header: 'Disks', cell: (g) => g.diskCount },
];

const VM_COLUMNS: readonly Column<HostView['encryptedVms'][number]>[] = [
  { id: 'name', header: 'VM', cell: (v) => v.name },
  { id: 'power', header: 'Power', cell: (v) => v.powerState ?? 'unknown' },
  { id: 'lock', header: 'Lock state', cell: (v) => <FlaggedText bad={v.cryptoState === 'locked'}>{v.cryptoState ?? 'unknown'}</FlaggedText> },
  { id: 'key', header: 'Key', className: 'mono', cell: (v) => (v.keyId ? `${v.keyId} (${v.keyProviderId ?? '?'})` : '—') },
];

export function HostPage({ id }: { id: string }) {
  const query = useHost(id);
  if (query.isPending) return <p className="loading">Loading host…</p>;
  if (query.isError) return <p className="form-error" role="alert">{`Cannot load the host: ${query.error.message}`}</p>;
  const { host, cluster, keyCache, diskGroups, encryptedVms, providers } = query.data;
  return (
    <>
      <p className="breadcrumbs">
        <Link href="/hosts">Hosts</Link> / {host.name}
      </p>
      <h1>{host.name}</h1>
      <p className="lede">
        {`${host.vcenter.name} · `}
        {cluster ? <Link href={`/clusters/${encodeURIComponent(cluster.id)}`}>{cluster.name}</Link> : 'no cluster'}
        {` · ${host.connectionState}${host.inMaintenanceMode ? ' · in maintenance' : ''} · crypto state ${host.cryptoState ?? 'unknown'}`}
      </p>
      {host.readErrors.length > 0 ? <p className="warn">{`vCenter could not report: ${host.readErrors.join(' ')}`}</p> : null}
      <ReadinessPanel hostId={id} />

      <section aria-labelledby="key-cache">
        <h2 id="key-cache">Key cache</h2>
        <p>{`${keyCache.needed} key(s) needed after a reboot: ${keyCache.loaded} loaded, ${keyCache.notLoaded} not loaded, ${keyCache.unknown} unknown.`}</p>
        <DataTable caption="Keys this host needs after a reboot" columns={KEY_COLUMNS} rows={keyCache.keys} rowKey={(k) => `${k.purpose}:${k.keyId}`} emptyText="This host needs no encryption key." />
      </section>

      <section aria-labelledby="disk-groups">
        <h2 id="disk-groups">vSAN disk groups</h2>
        <DataTable caption="vSAN disk groups" columns={DISK_GROUP_COLUMNS} rows={diskGroups} rowKey={(g) => g.id} emptyText="No vSAN disk group on this host." />
      </section>

      <section aria-labelledby="vms">
        <h2 id="vms">Encrypted VMs</h2>
        <DataTable caption="Encrypted VMs" columns={VM_COLUMNS} rows={encryptedVms} rowKey={(v) => v.id} emptyText="No encrypted VM on this host." />
      </section>

      <section aria-labelledby="providers">
        <h2 id="providers">Key providers as this host sees them</h2>
        {providers.length === 0 ? (
          <p className="empty">vCenter reports no key provider for this host.</p>
        ) : (
          <ul>
            {providers.map((p) => (
              <li key={p.providerId}>
                <Link href={`/key-providers#provider-${encodeURIComponent(p.providerId)}`}>{p.providerId}</Link>
                {`: ${p.health}${p.details.length ? ` (${p.details.join('; ')})` : ''}`}
                {p.kms ? ` · Keywatch: ${p.kms.nodesTotal - p.kms.nodesUnreachable} of ${p.kms.nodesTotal} nodes answer` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
