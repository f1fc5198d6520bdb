import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readJsonBody, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { deleteWebhook, getWebhook, updateWebhook, webhookUpdateSchema } from '@/lib/alerts/notifications/webhooks';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ webhook: await getWebhook(prisma, id) });
});

export const PATCH = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, webhookUpdateSchema);
  const webhook = await updateWebhook(prisma, getSecretBox(), id, input);
  const changed = Object.keys(input).map((k) => (k === 'secret' ? 'secret (replaced)' : k));
  await recordAudit(prisma, { actor, action: 'webhook.update', outcome: 'success', target: { type: 'webhook', id }, ip: clientIp(request), details: { name: webhook.name, changed } });
  return jsonResponse({ webhook });
});

export const DELETE = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const { name } = await deleteWebhook(prisma, id);
  await recordAudit(prisma, { actor, action: 'webhook.delete', outcome: 'success', target: { type: 'webhook', id }, ip: clientIp(request), details: { name } });
  return jsonResponse({ deleted: true });
});
