import { idParams, readParams, readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { deliveryQuerySchema, listDeliveries } from '@/lib/alerts/notifications/webhooks';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse(await listDeliveries(prisma, id, readQuery(request, deliveryQuerySchema)));
});
