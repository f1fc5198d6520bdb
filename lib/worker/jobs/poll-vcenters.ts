import { DuePoller } from '../../poller/due-targets';
import type { JobFactory } from '../scheduler';

/** Every second: claim the vCenters that are due (KEYWATCH_POLL_VCENTER_S) and start their cycles. */
export const pollVcentersJob: JobFactory = (ctx) => {
  const poller = new DuePoller(ctx, 'vcenter', ctx.env.KEYWATCH_POLL_CONCURRENCY);
  return { name: 'poll-vcenters', everyMs: 1000, run: async () => void (await poller.tick()), drain: () => poller.drain() };
};
