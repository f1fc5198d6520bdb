import type { HostState } from './action-state';
import type { ReadinessInput } from './input';
import { evaluateRule, ruleContext, rulesFor, type RuleId, type RuleResult } from './rules';

export type Verdict = 'READY' | 'BLOCKED';

export interface ReadinessReport {
  verdict: Verdict;
  action: ReadinessInput['action'];
  hostId: string | null;
  hostName: string | null;
  checkedAt: string;
  source: 'live' | 'stored';
  /** The host as the check saw it (null when it could not be read): actions check their preconditions on it. */
  hostState: HostState | null;
  rules: RuleResult[];
  /** Rules that block (fail or unknown), in rule order. */
  blocking: RuleId[];
}

/** READY only when every rule for the action passed or warned; a failure or an unknown blocks. */
export function evaluateReadiness(input: ReadinessInput): ReadinessReport {
  const ctx = ruleContext(input);
  const rules = rulesFor(input.action).map((id) => evaluateRule(id, ctx));
  const blocking = rules.filter((r) => r.status === 'fail' || r.status === 'unknown').map((r) => r.id);
  return {
    verdict: blocking.length === 0 && rules.length > 0 ? 'READY' : 'BLOCKED',
    action: input.action,
    hostId: input.host?.id ?? null,
    hostName: input.host?.name ?? null,
    checkedAt: input.now.toISOString(),
    source: input.vcenter.source,
    hostState: input.host ? { connectionState: input.host.connectionState, inMaintenanceMode: input.host.inMaintenanceMode } : null,
    rules,
    blocking,
  };
}
