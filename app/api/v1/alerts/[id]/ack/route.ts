import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readJsonBody, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { ackBodySchema, acknowledgeAlert } from '@/lib/alerts/query';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const { note } = await readJsonBody(request, ackBodySchema);
  const by = actor.type === 'anonymous' ? 'anonymous' : actor.name;
  const alert = await acknowledgeAlert(prisma, id, by, note, new Date());
  await recordAudit(prisma, { actor, action: 'alert.ack', outcome: 'success', target: { type: 'alert', id }, ip: clientIp(request), details: { kind: alert.kind, entity: alert.entity.name, note } });
  return jsonResponse({ alert });
});
