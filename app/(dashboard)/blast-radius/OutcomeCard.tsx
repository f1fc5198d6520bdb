import Link from 'next/link';
import type { BlastRadiusView } from '@/lib/blast-radius/blast-radius';
import { Card } from '@/components/common/Card';
import { DataTable, type Column } from '@/components/common/DataTable';

type Scenario = NonNullable<BlastRadiusView['scenario']>;

function gib(bytes: number | null): string {
  return bytes === null ? '' : ` (${Math.round(bytes / 2 ** 30)} GiB)`;
}

const LOST_COLUMNS: readonly Column<Scenario['wouldNotComeBack'][number]>[] = [
  { id: 'host', header: 'Host', cell: (l) => <Link href={`/hosts/${encodeURIComponent(l.hostId)}`}>{l.hostName}</Link> },
  { id: 'cluster', header: 'Cluster', cell: (l) => l.clusterName ?? '—' },
  { id: 'diskGroups', header: 'Disk groups', cell: (l) => (l.diskGroups.length === 0 ? '—' : l.diskGroups.map((g) => `${g.uuid}${gib(g.capacityBytes)}`).join(', ')) },
  { id: 'vms', header: 'Encrypted VMs', cell: (l) => (l.vms.length === 0 ? '—' : l.vms.map((v) => v.name).join(', ')) },
  { id: 'why', header: 'Why', cell: (l) => [...new Set(l.keys.map((k) => k.why))].join('; ') },
];

function describe(s: Scenario): string {
  const parts = [
    s.nodes.length > 0 ? `KMS node${s.nodes.length > 1 ? 's' : ''} ${s.nodes.join(', ')} down` : null,
    s.provider ? `key provider ${s.provider} down` : null,
    s.host ? `${s.host.name} rebooting` : null,
  ].filter(Boolean);
  return parts.join(', ');
}

export function OutcomeCard({ scenario: s, busy }: { scenario: Scenario; busy: boolean }) {
  return (
    <Card title={`If ${describe(s)}`} testId="what-if-outcome" busy={busy}>
      <p data-testid="what-if-summary">
        {`${s.turnsBlockedTotal} host(s) would turn BLOCKED (${s.blockedTotal} blocked in all). `}
        {s.wouldNotComeBackTotal === 0
          ? 'Every disk group and VM would come back after its next reboot.'
          : `${s.wouldNotComeBackTotal} host(s) would not bring back ${s.diskGroupsLost} disk group(s) and ${s.vmsLost} VM(s) after their next reboot.`}
      </p>
      {s.wouldNotComeBack.length > 0 && (
        <>
          <h3>Would not come back after the next reboot</h3>
          <DataTable caption="Would not come back after the next reboot" testId="would-not-come-back" columns={LOST_COLUMNS} rows={s.wouldNotComeBack} rowKey={(l) => l.hostId} rowTestId={(l) => `lost-${l.hostName}`} />
        </>
      )}
      {s.turnsBlocked.length > 0 && (
        <details>
          <summary>{`Hosts that would turn BLOCKED (${s.turnsBlockedTotal})`}</summary>
          <ul className="turns-blocked" data-testid="turns-blocked">
            {s.turnsBlocked.map((v) => (
              <li key={v.id}>
                <Link href={`/hosts/${encodeURIComponent(v.id)}`}>{v.name}</Link> <span className="muted">{`${v.blocking.join(', ')}${v.reason ? ` — ${v.reason}` : ''}`}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}
