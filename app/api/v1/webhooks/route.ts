import { recordAudit } from '@/lib/audit/record';
import { clientIp, jsonResponse, readJsonBody } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { createWebhook, listWebhooks, webhookInputSchema } from '@/lib/alerts/notifications/webhooks';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ webhooks: await listWebhooks(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, actor }) => {
  const input = await readJsonBody(request, webhookInputSchema);
  const webhook = await createWebhook(prisma, getSecretBox(), input);
  await recordAudit(prisma, { actor, action: 'webhook.create', outcome: 'success', target: { type: 'webhook', id: webhook.id }, ip: clientIp(request), details: { name: webhook.name, url: webhook.url, format: webhook.format, events: webhook.events, signed: webhook.hasSecret } });
  return jsonResponse({ webhook }, { status: 201 });
});
