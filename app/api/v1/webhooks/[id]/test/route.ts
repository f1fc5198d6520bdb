import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { queueTestDelivery } from '@/lib/alerts/notifications/webhooks';

export const dynamic = 'force-dynamic';

/** Queues a test message; the worker sends it within seconds (see the delivery log). */
export const POST = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const deliveryId = await queueTestDelivery(prisma, id, new Date());
  await audit('webhook.test', { type: 'webhook', id }, { deliveryId });
  return jsonResponse({ deliveryId, status: 'pending' }, { status: 202 });
});
