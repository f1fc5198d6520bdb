import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { deleteWebhook, getWebhook, updateWebhook, webhookUpdateSchema } from '@/lib/alerts/notifications/webhooks';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ webhook: await getWebhook(prisma, id) });
});

export const PATCH = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, webhookUpdateSchema);
  const webhook = await updateWebhook(prisma, getSecretBox(), id, input);
  const changed = Object.keys(input).map((k) => (k === 'secret' ? 'secret (replaced)' : k));
  await audit('webhook.update', { type: 'webhook', id }, { name: webhook.name, changed });
  return jsonResponse({ webhook });
});

export const DELETE = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const { name } = await deleteWebhook(prisma, id);
  await audit('webhook.delete', { type: 'webhook', id }, { name });
  return jsonResponse({ deleted: true });
});
