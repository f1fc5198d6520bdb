import Link from 'next/link';
import type { BlastRadiusView } from '@/lib/blast-radius/blast-radius';
import { Card } from '@/components/common/Card';

type Scenario = NonNullable<BlastRadiusView['scenario']>;

function gib(bytes: number | null): string {
  return bytes === null ? '' : ` (${Math.round(bytes / 2 ** 30)} GiB)`;
}

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
        <table className="data-table" data-testid="would-not-come-back">
          <caption>Would not come back after the next reboot</caption>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Cluster</th>
              <th scope="col">Disk groups</th>
              <th scope="col">Encrypted VMs</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {s.wouldNotComeBack.map((l) => (
              <tr key={l.hostId} data-testid={`lost-${l.hostName}`}>
                <td>
                  <Link href={`/hosts/${encodeURIComponent(l.hostId)}`}>{l.hostName}</Link>
                </td>
                <td>{l.clusterName ?? '—'}</td>
                <td>{l.diskGroups.length === 0 ? '—' : l.diskGroups.map((g) => `${g.uuid}${gib(g.capacityBytes)}`).join(', ')}</td>
                <td>{l.vms.length === 0 ? '—' : l.vms.map((v) => v.name).join(', ')}</td>
                <td>{[...new Set(l.keys.map((k) => k.why))].join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
