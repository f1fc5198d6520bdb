/**
 * The order in which a cluster's hosts can be patched one at a time. Each host's verdict comes from
 * its own readiness check; the plan puts the READY hosts first (fewest encrypted VMs to move first, so
 * an early surprise costs least) and lists what must be fixed before the blocked ones can go. A
 * rule that blocks every host of the cluster is a cluster problem and is named once, first.
 */
import type { RuleId } from './rules';
import type { ReadinessReport } from './verdict';

export interface PlannedHost {
  hostId: string;
  hostName: string;
  verdict: ReadinessReport['verdict'];
  /** 1-based position for READY hosts; null for blocked ones. */
  step: number | null;
  blocking: { rule: RuleId; summary: string; remediation: string }[];
  encryptedVms: number;
}

export interface RollingPlan {
  clusterId: string;
  clusterName: string;
  checkedAt: string;
  hosts: PlannedHost[];
  /** Remediations to do before the blocked hosts can be patched; cluster-wide ones first. */
  fixFirst: { rule: RuleId; hosts: string[]; remediation: string }[];
  ready: number;
  blocked: number;
}

export interface PlanInput {
  clusterId: string;
  clusterName: string;
  checkedAt: Date;
  hosts: { report: ReadinessReport; hostId: string; hostName: string; encryptedVms: number }[];
}

export function rollingPlan(input: PlanInput): RollingPlan {
  const planned: PlannedHost[] = input.hosts.map(({ report, hostId, hostName, encryptedVms }) => ({
    hostId,
    hostName,
    verdict: report.verdict,
    step: null,
    encryptedVms,
    blocking: report.rules
      .filter((r) => r.status === 'fail' || r.status === 'unknown')
      .map((r) => ({ rule: r.id, summary: r.summary, remediation: r.remediation })),
  }));
  const ready = planned
    .filter((h) => h.verdict === 'READY')
    .sort((a, b) => a.encryptedVms - b.encryptedVms || a.hostName.localeCompare(b.hostName));
  ready.forEach((h, i) => (h.step = i + 1));
  const blocked = planned.filter((h) => h.verdict !== 'READY').sort((a, b) => a.hostName.localeCompare(b.hostName));

  const byRule = new Map<RuleId, { hosts: string[]; remediation: string }>();
  for (const h of blocked) {
    for (const b of h.blocking) {
      const entry = byRule.get(b.rule) ?? { hosts: [], remediation: b.remediation };
      entry.hosts.push(h.hostName);
      byRule.set(b.rule, entry);
    }
  }
  const fixFirst = [...byRule.entries()]
    .map(([rule, e]) => ({ rule, hosts: e.hosts, remediation: e.remediation }))
    .sort((a, b) => b.hosts.length - a.hosts.length || a.rule.localeCompare(b.rule));

  return {
    clusterId: input.clusterId,
    clusterName: input.clusterName,
    checkedAt: input.checkedAt.toISOString(),
    hosts: [...ready, ...blocked],
    fixFirst,
    ready: ready.length,
    blocked: blocked.length,
  };
}
