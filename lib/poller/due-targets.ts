/**
 * Claiming due targets and running their cycles with bounded concurrency. `pollDue` claims and
 * waits (tests and benchmarks drive cycles with it); `DuePoller.tick` claims what fits beside the
 * cycles still running and returns at once, so a slow vCenter never delays a KMS probe.
 */
import type { PollKind } from './backoff';
import { runCycle, type CycleDeps, type CycleResult } from './cycle';
import { leaseMsOf } from './settings';
import { describeFailure } from './failure';
import { claimDue, releaseLease, syncPollStates, type Claim } from './leases';

async function runClaimed(deps: CycleDeps, claim: Claim): Promise<CycleResult | null> {
  try {
    return await runCycle(deps, claim);
  } catch (err) {
    // The database failed under the cycle (restart, network): nothing was committed; give the
    // target back so the next tick, on any worker, retries it.
    deps.logger.error({ kind: claim.kind, targetId: claim.targetId, reason: describeFailure(err, 'Storing the cycle failed') }, 'poll cycle could not be stored');
    await releaseLease(deps.prisma, claim, deps.workerId).catch(() => undefined);
    return null;
  }
}

/** Syncs targets, claims up to `limit` due targets of `kind` and runs them all to the end. */
export async function pollDue(deps: CycleDeps, kind: PollKind, limit: number): Promise<CycleResult[]> {
  await syncPollStates(deps.prisma, deps.now());
  const claims = await claimDue(deps.prisma, kind, deps.workerId, deps.now(), limit, leaseMsOf(deps.settings, kind));
  const results = await Promise.all(claims.map((c) => runClaimed(deps, c)));
  return results.filter((r): r is CycleResult => r !== null);
}

export class DuePoller {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: CycleDeps,
    readonly kind: PollKind,
    private readonly concurrency: number,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** Claims as many due targets as free slots allow and starts them; throws when the database does. */
  async tick(): Promise<number> {
    await syncPollStates(this.deps.prisma, this.deps.now());
    const free = this.concurrency - this.running.size;
    if (free <= 0) return 0;
    const claims = await claimDue(this.deps.prisma, this.kind, this.deps.workerId, this.deps.now(), free, leaseMsOf(this.deps.settings, this.kind));
    for (const claim of claims) {
      const job = runClaimed(this.deps, claim).finally(() => this.running.delete(claim.pollStateId));
      this.running.set(claim.pollStateId, job);
    }
    return claims.length;
  }

  /** Waits for the cycles in flight (worker stopping). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
