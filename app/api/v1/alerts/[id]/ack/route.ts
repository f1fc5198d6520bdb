import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { ackBodySchema, acknowledgeAlert } from '@/lib/alerts/query';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, context, { prisma, actor, audit }) => {
  const { id } = await readParams(context, idParams);
  const { note } = await readJsonBody(request, ackBodySchema);
  const by = actor.type === 'anonymous' ? 'anonymous' : actor.name;
  const alert = await acknowledgeAlert(prisma, id, by, note, new Date());
  await audit('alert.ack', { type: 'alert', id }, { kind: alert.kind, entity: alert.entity.name, note });
  return jsonResponse({ alert });
});
