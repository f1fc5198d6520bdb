import { deliverDue } from '../../alerts/notifications/deliver';
import type { JobFactory } from '../scheduler';

/** Every 2 s: send due webhook deliveries (retries and dead letters included). */
export const notifyJob: JobFactory = (ctx) => ({
  name: 'notify',
  everyMs: 2000,
  async run() {
    await deliverDue(ctx.prisma, { workerId: ctx.workerId, now: ctx.now, box: ctx.box, maxAttempts: ctx.env.KEYWATCH_WEBHOOK_MAX_ATTEMPTS, logger: ctx.logger });
  },
});
