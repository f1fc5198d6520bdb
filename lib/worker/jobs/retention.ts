import { rollUpAndPrune } from '../../observations/series';
import type { JobFactory } from '../scheduler';

/** Every 5 min: five-minute roll-ups of the samples, then drop what is past retention. */
export const retentionJob: JobFactory = (ctx) => ({
  name: 'retention',
  everyMs: 5 * 60_000,
  async run() {
    const result = await rollUpAndPrune(ctx.prisma, ctx.now(), { rawHours: ctx.env.KEYWATCH_SAMPLES_RAW_HOURS, rollupDays: ctx.env.KEYWATCH_SAMPLES_ROLLUP_DAYS });
    ctx.logger.debug(result, 'samples rolled up and pruned');
  },
});
