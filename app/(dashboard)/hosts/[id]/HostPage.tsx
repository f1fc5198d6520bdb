'use client';

import ReadinessPanel from './ReadinessPanel';
import Link from 'next/link';
import { useHost } from '@/components/queries/use-host';

const yesNo = (v: boolean | null, yes: string, no: string) => (v === null ? 'unknown' : v ? yes : no);

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
        {keyCache.keys.length === 0 ? (
          <p className="empty">This host needs no encryption key.</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Purpose</th>
                <th>Provider</th>
                <th>Used by</th>
                <th>Loaded</th>
              </tr>
            </thead>
            <tbody>
              {keyCache.keys.map((k) => (
                <tr key={`${k.purpose}:${k.keyId}`}>
                  <td className="mono">{k.keyId}</td>
                  <td>{k.purpose}</td>
                  <td>{k.providerId ?? '—'}</td>
                  <td>{k.usedBy.join(', ')}</td>
                  <td className={k.loaded === false ? 'bad' : undefined} title={k.evidence}>
                    {yesNo(k.loaded, 'loaded', 'not loaded')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="disk-groups">
        <h2 id="disk-groups">vSAN disk groups</h2>
        {diskGroups.length === 0 ? (
          <p className="empty">No vSAN disk group on this host.</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th>Disk group</th>
                <th>Mounted</th>
                <th>Encrypted</th>
                <th>Keys loaded</th>
                <th>Disks</th>
              </tr>
            </thead>
            <tbody>
              {diskGroups.map((g) => (
                <tr key={g.id}>
                  <td className="mono">{g.uuid}</td>
                  <td className={g.mounted ? undefined : 'bad'}>{g.mounted ? 'mounted' : 'unmounted'}</td>
                  <td>{g.encrypted ? `yes${g.kekId ? ` (KEK ${g.kekId})` : ''}` : 'no'}</td>
                  <td className={g.keysLoaded === false ? 'bad' : undefined}>{g.encrypted ? yesNo(g.keysLoaded, 'loaded', 'not loaded') : '—'}</td>
                  <td>{g.diskCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="vms">
        <h2 id="vms">Encrypted VMs</h2>
        {encryptedVms.length === 0 ? (
          <p className="empty">No encrypted VM on this host.</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th>VM</th>
                <th>Power</th>
                <th>Lock state</th>
                <th>Key</th>
              </tr>
            </thead>
            <tbody>
              {encryptedVms.map((v) => (
                <tr key={v.id}>
                  <td>{v.name}</td>
                  <td>{v.powerState ?? 'unknown'}</td>
                  <td className={v.cryptoState === 'locked' ? 'bad' : undefined}>{v.cryptoState ?? 'unknown'}</td>
                  <td className="mono">{v.keyId ? `${v.keyId} (${v.keyProviderId ?? '?'})` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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
