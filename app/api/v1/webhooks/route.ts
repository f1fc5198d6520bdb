import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { createWebhook, listWebhooks, webhookInputSchema } from '@/lib/alerts/notifications/webhooks';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ webhooks: await listWebhooks(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  const input = await readJsonBody(request, webhookInputSchema);
  const webhook = await createWebhook(prisma, getSecretBox(), input);
  await audit('webhook.create', { type: 'webhook', id: webhook.id }, { name: webhook.name, url: webhook.url, format: webhook.format, events: webhook.events, signed: webhook.hasSecret });
  return jsonResponse({ webhook }, { status: 201 });
});
