import { readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { retryDelivery } from '@/lib/alerts/notifications/webhooks';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(100), deliveryId: z.string().min(1).max(100) });

/** Puts a dead letter back in the queue. */
export const POST = withPolicy(async (request, context, { prisma, audit }) => {
  const { id, deliveryId } = await readParams(context, params);
  const status = await retryDelivery(prisma, id, deliveryId, new Date());
  await audit('webhook.retry', { type: 'webhook', id }, { deliveryId });
  return jsonResponse({ deliveryId, status });
});
