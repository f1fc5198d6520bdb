import { runCampaignsTick, type CampaignsTickState } from '../../campaigns/worker-tick';
import type { JobFactory } from '../scheduler';

/**
 * Every 2 s: recompute the progress of running campaigns whose vCenter was polled since their last
 * recompute, then run the executor of each running campaign with the executor enabled (the
 * campaign lease keeps one executor per campaign across workers).
 */
export const campaignsJob: JobFactory = (ctx) => {
  const state: CampaignsTickState = { running: new Map(), dryRuns: new Map(), abort: new AbortController() };
  return {
    name: 'campaigns',
    everyMs: 2000,
    run: () => runCampaignsTick(ctx, state),
    drain: async () => {
      state.abort.abort();
      await Promise.allSettled(state.running.values());
    },
  };
};
