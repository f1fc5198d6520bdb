/**
 * One tick of the worker's campaign job: progress recomputed from the poller's stored inventory
 * after each successful vCenter poll, and executors started in the background for running
 * campaigns with the executor enabled. Executors run beyond the tick (a rekey takes minutes);
 * `state.running` holds them so the worker can wait for them when it stops.
 */
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import type { SecretBox } from '../secrets/keyring';
import { isCampaignError } from './errors';
import { runCampaign } from './executor';
import { openLiveVcenter } from './live-vcenter';
import { recomputeFromStoredInventory } from './store';

export interface CampaignsTickState {
  /** Executor runs in flight, by campaign id. */
  running: Map<string, Promise<void>>;
  /** A dry run reports once per settings change (campaign updatedAt), not at every tick. */
  dryRuns: Map<string, number>;
  abort: AbortController;
}

export interface CampaignsTickContext {
  prisma: PrismaClient;
  logger: Logger;
  box: SecretBox;
  workerId: string;
  settings: { vcenterTimeoutMs: number };
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function runCampaignsTick(ctx: CampaignsTickContext, state: CampaignsTickState): Promise<void> {
  const campaigns = await ctx.prisma.campaign.findMany({
    where: { status: 'running' },
    select: { id: true, name: true, vcenterId: true, inventoryReadAt: true, executorEnabled: true, dryRun: true, updatedAt: true },
  });
  if (campaigns.length === 0) return;
  const polls = await ctx.prisma.pollState.findMany({ where: { vcenterId: { in: [...new Set(campaigns.map((c) => c.vcenterId))] } }, select: { vcenterId: true, lastSuccessAt: true } });
  const lastPoll = new Map(polls.map((p) => [p.vcenterId, p.lastSuccessAt]));

  for (const c of campaigns) {
    const polled = lastPoll.get(c.vcenterId);
    if (!polled || (c.inventoryReadAt && c.inventoryReadAt >= polled)) continue;
    // Joined with the stored inventory in the database: 40,000 VMs are never read out for this.
    const result = await recomputeFromStoredInventory(ctx.prisma, c.id);
    ctx.logger.info({ campaign: c.id, vcenter: c.vcenterId, changed: result.changed, status: result.status }, 'campaign progress recomputed after a poll');
  }

  for (const c of campaigns) {
    if (!c.executorEnabled || state.running.has(c.id) || state.abort.signal.aborted) continue;
    if (c.dryRun) {
      if (state.dryRuns.get(c.id) === c.updatedAt.getTime()) continue;
      state.dryRuns.set(c.id, c.updatedAt.getTime());
    }
    const run = executeInBackground(ctx, state, c).finally(() => state.running.delete(c.id));
    state.running.set(c.id, run);
  }
}

async function executeInBackground(ctx: CampaignsTickContext, state: CampaignsTickState, c: { id: string; name: string; vcenterId: string }): Promise<void> {
  let live: Awaited<ReturnType<typeof openLiveVcenter>> | null = null;
  try {
    live = await openLiveVcenter(ctx.prisma, ctx.box, c.vcenterId, { requestTimeoutMs: ctx.settings.vcenterTimeoutMs });
    const summary = await runCampaign(
      { prisma: ctx.prisma, vcenter: live.vcenter, healthCheck: live.healthCheck, logger: ctx.logger, owner: `${ctx.workerId}:campaigns` },
      c.id,
      { signal: state.abort.signal },
    );
    if (summary.vmsAttempted > 0 || summary.end !== 'done') {
      ctx.logger.info({ campaign: c.id, end: summary.end, attempted: summary.vmsAttempted, verified: summary.vmsVerified, failed: summary.vmsFailed }, 'campaign executor run ended');
    }
  } catch (error) {
    // Another worker holds the lease: its run, not a failure.
    if (isCampaignError(error, 'lease-held')) return;
    ctx.logger.error({ campaign: c.id, vcenter: c.vcenterId, reason: reason(error) }, 'campaign executor run failed');
  } finally {
    await live?.close().catch(() => undefined);
  }
}
