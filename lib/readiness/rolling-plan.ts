/**
 * The order in which a cluster's hosts can be patched one at a time. Each host's verdict comes from
 * its own readiness check (reboot). vSAN keeps its data available with one host down, not two, so
 * the plan lets exactly one host go at a time: a host already in maintenance mode is the one in
 * progress (finish it first); otherwise the first READY host — fewest encrypted VMs first, so an
 * early surprise costs least — is next and the others wait their turn. A host whose only blocker is
 * CLUSTER_REDUNDANCY caused by a peer that is in maintenance for this very plan is waiting, not
 * broken; anything else that blocks is listed under what must be fixed first, rules that block the
 * most hosts first.
 */
import type { RuleId } from './rules';
import type { ReadinessReport } from './verdict';

/** in-progress: in maintenance, being patched; next: may go now; waiting: READY, waits its turn; blocked: needs a fix. */
export type PlanState = 'in-progress' | 'next' | 'waiting' | 'blocked';

export interface PlannedHost {
  hostId: string;
  hostName: string;
  verdict: ReadinessReport['verdict'];
  state: PlanState;
  /** Patch order (1 = first) for hosts that can be patched when their turn comes; null for blocked ones. */
  step: number | null;
  /** One sentence: why it may go now, what it waits for, or what blocks it. */
  reason: string;
  inMaintenanceMode: boolean;
  /** Hosts in maintenance mode this one waits for (their absence is what CLUSTER_REDUNDANCY saw). */
  waitsFor: string[];
  /** What blocks it besides waiting for its turn. */
  blocking: { rule: RuleId; summary: string; remediation: string }[];
  encryptedVms: number;
}

export interface RollingPlan {
  clusterId: string;
  clusterName: string;
  checkedAt: string;
  /** The host that may go (or is going) now; null when none may. */
  next: { hostId: string; hostName: string } | null;
  hosts: PlannedHost[];
  /** Remediations to do before the blocked hosts can be patched; the most widespread first. */
  fixFirst: { rule: RuleId; hosts: string[]; remediation: string }[];
  /** Redundancy limits already exceeded (more than one host of the cluster down). */
  warnings: string[];
  ready: number;
  blocked: number;
}

export interface PlanInput {
  clusterId: string;
  clusterName: string;
  checkedAt: Date;
  hosts: { report: ReadinessReport; hostId: string; hostName: string; encryptedVms: number }[];
}

const isBlocking = (status: string) => status === 'fail' || status === 'unknown';

export function rollingPlan(input: PlanInput): RollingPlan {
  // Hosts down for patching, by the managed object id the rules' evidence names them with.
  const down = new Map(input.hosts.filter((h) => h.report.hostState?.inMaintenanceMode).map((h) => [h.report.hostId ?? h.hostId, h.hostName]));

  const planned: PlannedHost[] = input.hosts.map(({ report, hostId, hostName, encryptedVms }) => {
    const self = report.hostId ?? hostId;
    let waitsFor: string[] = [];
    const blocking = report.rules
      .filter((r) => isBlocking(r.status))
      .filter((r) => {
        if (r.id !== 'CLUSTER_REDUNDANCY' || r.status !== 'fail') return true;
        const peers = r.evidence.filter((e) => e.kind === 'host' && e.id !== self).map((e) => e.id);
        if (peers.length === 0 || !peers.every((id) => down.has(id))) return true;
        waitsFor = peers.map((id) => down.get(id)!);
        return false;
      })
      .map((r) => ({ rule: r.id, summary: r.summary, remediation: r.remediation }));
    return {
      hostId,
      hostName,
      verdict: report.verdict,
      state: blocking.length > 0 ? 'blocked' : 'waiting',
      step: null,
      reason: '',
      inMaintenanceMode: down.has(self),
      waitsFor,
      blocking,
      encryptedVms,
    };
  });

  const candidates = planned
    .filter((h) => h.state !== 'blocked')
    .sort((a, b) => Number(b.inMaintenanceMode) - Number(a.inMaintenanceMode) || a.encryptedVms - b.encryptedVms || a.hostName.localeCompare(b.hostName));
  candidates.forEach((h, i) => (h.step = i + 1));
  const downNames = [...down.values()].sort();
  for (const h of candidates) {
    if (h.inMaintenanceMode) {
      h.state = 'in-progress';
      h.reason = 'In maintenance mode: patch and reboot it, then exit maintenance mode; the other hosts wait for it.';
    } else if (downNames.length > 0) {
      h.reason = `Waits for ${downNames.join(', ')} to leave maintenance mode: one host of a vSAN cluster at a time.`;
    } else if (h.step === 1) {
      h.state = 'next';
      h.reason = 'Can go now: enter maintenance mode, patch, reboot, exit maintenance mode.';
    } else {
      h.reason = `Waits for its turn (step ${h.step}): one host of a vSAN cluster at a time.`;
    }
  }
  const blocked = planned.filter((h) => h.state === 'blocked').sort((a, b) => a.hostName.localeCompare(b.hostName));
  for (const h of blocked) {
    h.reason = `Blocked by ${h.blocking.map((b) => b.rule).join(', ')}: ${h.blocking[0]!.summary}`;
  }

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

  const warnings =
    downNames.length > 1
      ? [`${downNames.length} hosts are in maintenance mode at once (${downNames.join(', ')}): vSAN objects have lost more than one copy; bring one back before taking another host down.`]
      : [];
  const going = candidates.find((h) => h.state === 'in-progress' || h.state === 'next');

  return {
    clusterId: input.clusterId,
    clusterName: input.clusterName,
    checkedAt: input.checkedAt.toISOString(),
    next: going ? { hostId: going.hostId, hostName: going.hostName } : null,
    hosts: [...candidates, ...blocked],
    fixFirst,
    warnings,
    ready: candidates.length,
    blocked: blocked.length,
  };
}
