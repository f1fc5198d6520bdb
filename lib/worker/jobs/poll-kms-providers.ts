import { DuePoller } from '../../poller/due-targets';
import type { JobFactory } from '../scheduler';

/** Every second: claim the KMS providers that are due (KEYWATCH_POLL_KMS_S) and start their probes. */
export const pollKmsProvidersJob: JobFactory = (ctx) => {
  const poller = new DuePoller(ctx, 'kms', ctx.env.KEYWATCH_POLL_CONCURRENCY);
  return { name: 'poll-kms-providers', everyMs: 1000, run: async () => void (await poller.tick()), drain: () => poller.drain() };
};
