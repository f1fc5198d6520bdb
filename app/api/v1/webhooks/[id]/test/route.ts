import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { queueTestDelivery } from '@/lib/alerts/notifications/webhooks';

export const dynamic = 'force-dynamic';

/** Queues a test message; the worker sends it within seconds (see the delivery log). */
export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const deliveryId = await queueTestDelivery(prisma, id, new Date());
  await recordAudit(prisma, { actor, action: 'webhook.test', outcome: 'success', target: { type: 'webhook', id }, ip: clientIp(request), details: { deliveryId } });
  return jsonResponse({ deliveryId, status: 'pending' }, { status: 202 });
});
