import { HttpError } from '@/lib/http/errors';
import { readParams, readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { HISTORY_SERIES, historyQuerySchema, hostKmsHistory, kmsNodeHistory } from '@/lib/observations/history';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ series: z.string().min(1).max(50) });

export const GET = withPolicy(async (request, context, { prisma }) => {
  const { series } = await readParams(context, params);
  if (!(HISTORY_SERIES as readonly string[]).includes(series)) throw new HttpError(404, `No history series ${series}; there are: ${HISTORY_SERIES.join(', ')}.`);
  const query = readQuery(request, historyQuerySchema);
  const rawHours = getEnv().KEYWATCH_SAMPLES_RAW_HOURS;
  return jsonResponse(series === 'kms-nodes' ? await kmsNodeHistory(prisma, query, new Date(), rawHours) : await hostKmsHistory(prisma, query, new Date(), rawHours));
});
