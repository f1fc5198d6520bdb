import { evaluateTargetAlerts } from '../../alerts/evaluate-targets';
import { staleAfterOf } from '../../poller/settings';
import type { JobFactory } from '../scheduler';

/** Every 10 s: DATA_STALE for targets nobody polled lately; resolve alerts of removed targets. */
export const evaluateAlertsJob: JobFactory = (ctx) => ({
  name: 'evaluate-alerts',
  everyMs: 10_000,
  async run() {
    const result = await evaluateTargetAlerts(ctx.prisma, (kind) => staleAfterOf(ctx.settings, kind), ctx.now());
    if (result.opened || result.resolved) ctx.logger.info(result, 'target alerts evaluated');
  },
});
