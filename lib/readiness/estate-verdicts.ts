/**
 * Reboot verdicts of every stored host at once, through the same rules and verdict as the live gate
 * (rules.ts, verdict.ts) over the stored estate (stored-estate.ts). A verdict is shown as READY,
 * BLOCKED, or unknown: BLOCKED only by "we do not know" (stale or missing data, an unknown input) is
 * unknown, so that a stale vCenter reads as grey rather than as a wall of red hosts.
 */
import type { RuleId } from './rules';
import { storedReadinessInput, type StoredEstate, type StoredHost } from './stored-estate';
import { evaluateReadiness, type ReadinessReport } from './verdict';

export type HostGridState = 'READY' | 'BLOCKED' | 'unknown';

export interface HostVerdict {
  /** VcHost row id. */
  id: string;
  name: string;
  vcenterId: string;
  clusterId: string | null;
  state: HostGridState;
  /** Rules that block, in rule order. */
  blocking: RuleId[];
  /** One line: the first blocking rule's summary, or the first warning's. */
  reason: string | null;
}

/** Rules whose failure means "Keywatch cannot tell" rather than "the host is not safe". */
const KNOWLEDGE_RULES: readonly RuleId[] = ['VC_REACHABLE', 'DATA_FRESH'];

export function gridState(report: ReadinessReport): HostGridState {
  if (report.verdict === 'READY') return 'READY';
  const blocking = report.rules.filter((r) => report.blocking.includes(r.id));
  return blocking.every((r) => r.status === 'unknown' || KNOWLEDGE_RULES.includes(r.id)) ? 'unknown' : 'BLOCKED';
}

export function hostIndex(estate: StoredEstate): Map<string, StoredHost> {
  return new Map(estate.hosts.map((h) => [h.rowId, h]));
}

export function verdictOf(estate: StoredEstate, host: StoredHost, byRowId: Map<string, StoredHost>): { verdict: HostVerdict; report: ReadinessReport } {
  const report = evaluateReadiness(storedReadinessInput(estate, host, byRowId));
  const first = report.rules.find((r) => report.blocking.includes(r.id)) ?? report.rules.find((r) => r.status === 'warn');
  return {
    report,
    verdict: {
      id: host.rowId,
      name: host.facts.name,
      vcenterId: host.vcenterId,
      clusterId: host.clusterRowId,
      state: gridState(report),
      blocking: report.blocking,
      reason: first ? first.summary : null,
    },
  };
}

/** Every stored host's reboot verdict, in host name order. */
export function estateVerdicts(estate: StoredEstate): HostVerdict[] {
  const byRowId = hostIndex(estate);
  return estate.hosts.map((h) => verdictOf(estate, h, byRowId).verdict);
}
