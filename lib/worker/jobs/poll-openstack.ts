import { DuePoller } from '../../poller/due-targets';
import type { JobFactory } from '../scheduler';

/** Every second: claim the OpenStack clouds that are due (KEYWATCH_POLL_VCENTER_S, their pace too) and start their polls. */
export const pollOpenstackJob: JobFactory = (ctx) => {
  const poller = new DuePoller(ctx, 'openstack', ctx.env.KEYWATCH_POLL_CONCURRENCY);
  return { name: 'poll-openstack', everyMs: 1000, run: async () => void (await poller.tick()), drain: () => poller.drain() };
};
