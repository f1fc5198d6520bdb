/**
 * Webhook configuration (admin): CRUD, views without the secret, and a test send. The HMAC secret
 * is sealed like every other stored secret (lib/secrets) and never returned.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db/client';
import type { Webhook } from '../../db/generated/client';
import type { SecretPurpose } from '../../secrets/columns';
import type { SecretBox } from '../../secrets/keyring';
import { SEVERITIES } from '../catalog';
import { AlertError } from '../errors';
import { buildPayload, WEBHOOK_EVENTS, WEBHOOK_FORMATS } from './payload';

import { webhookBinding } from '../../secrets/columns';

export const WEBHOOK_SECRET: SecretPurpose = 'Webhook.secret';


const url = z
  .url('must be a URL')
  .max(2000)
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

export const webhookInputSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  url,
  format: z.enum(WEBHOOK_FORMATS).default('json'),
  /** HMAC-SHA256 signing secret; omit or null for unsigned deliveries. */
  secret: z.string().min(16, 'must be at least 16 characters').max(512).nullable().optional(),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'choose at least one event').default([...WEBHOOK_EVENTS]),
  minSeverity: z.enum(SEVERITIES).default('warning'),
  enabled: z.boolean().default(true),
});
export type WebhookInput = z.infer<typeof webhookInputSchema>;

/** Edits: every field optional; an omitted secret keeps the stored one, null removes it. */
export const webhookUpdateSchema = z.object({
  name: webhookInputSchema.shape.name.optional(),
  url: url.optional(),
  format: z.enum(WEBHOOK_FORMATS).optional(),
  secret: webhookInputSchema.shape.secret,
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'choose at least one event').optional(),
  minSeverity: z.enum(SEVERITIES).optional(),
  enabled: z.boolean().optional(),
});
export type WebhookUpdate = z.infer<typeof webhookUpdateSchema>;

export interface WebhookView {
  id: string;
  name: string;
  url: string;
  format: string;
  hasSecret: boolean;
  events: string[];
  minSeverity: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  deliveries: { pending: number; delivered: number; dead: number };
}

function view(row: Webhook, counts: Record<string, number> = {}): WebhookView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    format: row.format,
    hasSecret: row.secretEnc !== null,
    events: row.events.split(',').filter(Boolean),
    minSeverity: row.minSeverity,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deliveries: { pending: counts.pending ?? 0, delivered: counts.delivered ?? 0, dead: counts.dead ?? 0 },
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}

async function deliveryCounts(prisma: PrismaClient, ids: string[]): Promise<Map<string, Record<string, number>>> {
  const groups = await prisma.webhookDelivery.groupBy({ by: ['webhookId', 'status'], where: { webhookId: { in: ids } }, _count: { _all: true } });
  const out = new Map<string, Record<string, number>>();
  for (const g of groups) {
    const entry = out.get(g.webhookId) ?? {};
    entry[g.status] = g._count._all;
    out.set(g.webhookId, entry);
  }
  return out;
}

export async function listWebhooks(prisma: PrismaClient): Promise<WebhookView[]> {
  const rows = await prisma.webhook.findMany({ orderBy: { name: 'asc' } });
  const counts = await deliveryCounts(prisma, rows.map((r) => r.id));
  return rows.map((r) => view(r, counts.get(r.id)));
}

async function findWebhook(prisma: PrismaClient, id: string): Promise<Webhook> {
  const row = await prisma.webhook.findUnique({ where: { id } });
  if (!row) throw new AlertError('not-found', 'No webhook with that id.');
  return row;
}

export async function getWebhook(prisma: PrismaClient, id: string): Promise<WebhookView> {
  const row = await findWebhook(prisma, id);
  return view(row, (await deliveryCounts(prisma, [id])).get(id));
}

export async function createWebhook(prisma: PrismaClient, box: SecretBox, input: WebhookInput): Promise<WebhookView> {
  try {
    // The secret is sealed bound to the row's id, which exists only once the row does.
    const row = await prisma.$transaction(async (tx) => {
      const created = await tx.webhook.create({
        data: {
          name: input.name,
          url: input.url,
          format: input.format,
          secretEnc: null,
          events: [...new Set(input.events)].join(','),
          minSeverity: input.minSeverity,
          enabled: input.enabled,
        },
      });
      if (!input.secret) return created;
      return tx.webhook.update({ where: { id: created.id }, data: { secretEnc: box.seal(input.secret, WEBHOOK_SECRET, webhookBinding(created)) } });
    });
    return view(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AlertError('conflict', `A webhook named ${input.name} already exists.`, 'name');
    throw error;
  }
}

export async function updateWebhook(prisma: PrismaClient, box: SecretBox, id: string, input: WebhookUpdate): Promise<WebhookView> {
  const existing = await findWebhook(prisma, id);
  const url = input.url ?? existing.url;
  // A secret signs for one receiver: moving the webhook elsewhere needs the secret again, or an admin
  // session could redirect signed payloads (and the proof of the secret) to a server of its own.
  if (url !== existing.url && existing.secretEnc && input.secret === undefined) {
    throw new AlertError('invalid', 'Changing the URL of a signed webhook needs its secret again (or an empty secret to stop signing).', 'secret');
  }
  try {
    const row = await prisma.webhook.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.url !== undefined && { url: input.url }),
        ...(input.format !== undefined && { format: input.format }),
        ...(input.secret !== undefined && { secretEnc: input.secret ? box.seal(input.secret, WEBHOOK_SECRET, webhookBinding({ id, url })) : null }),
        ...(input.events !== undefined && { events: [...new Set(input.events)].join(',') }),
        ...(input.minSeverity !== undefined && { minSeverity: input.minSeverity }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
      },
    });
    return getWebhook(prisma, row.id);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AlertError('conflict', `A webhook named ${input.name} already exists.`, 'name');
    throw error;
  }
}

export async function deleteWebhook(prisma: PrismaClient, id: string): Promise<{ name: string }> {
  const row = await findWebhook(prisma, id);
  await prisma.webhook.delete({ where: { id } });
  return { name: row.name };
}

export const deliveryQuerySchema = z.object({
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Keyset cursor: the id of the last delivery of the previous page. */
  before: z.string().max(100).optional(),
});

export interface DeliveryView {
  id: string;
  alertId: string | null;
  event: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  responseStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  payload: unknown;
}

/** The delivery log of one webhook, newest first; status=dead lists the dead letters. */
export async function listDeliveries(prisma: PrismaClient, webhookId: string, query: z.infer<typeof deliveryQuerySchema>): Promise<{ deliveries: DeliveryView[]; nextBefore: string | null }> {
  await findWebhook(prisma, webhookId);
  const anchor = query.before ? await prisma.webhookDelivery.findUnique({ where: { id: query.before }, select: { id: true, createdAt: true } }) : null;
  const rows = await prisma.webhookDelivery.findMany({
    where: {
      webhookId,
      ...(query.status && { status: query.status }),
      ...(anchor && { OR: [{ createdAt: { lt: anchor.createdAt } }, { createdAt: anchor.createdAt, id: { lt: anchor.id } }] }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    deliveries: page.map((d) => ({
      id: d.id,
      alertId: d.alertId,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: iso(d.nextAttemptAt),
      lastAttemptAt: iso(d.lastAttemptAt),
      responseStatus: d.responseStatus,
      lastError: d.lastError,
      deliveredAt: iso(d.deliveredAt),
      createdAt: d.createdAt.toISOString(),
      payload: JSON.parse(d.payload) as unknown,
    })),
    nextBefore: rows.length > query.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/** Puts a dead letter back in the queue for one more round of attempts. */
export async function retryDelivery(prisma: PrismaClient, webhookId: string, deliveryId: string, now: Date): Promise<DeliveryView['status']> {
  const row = await prisma.webhookDelivery.findFirst({ where: { id: deliveryId, webhookId } });
  if (!row) throw new AlertError('not-found', 'No delivery with that id for this webhook.');
  if (row.status !== 'dead') throw new AlertError('conflict', `Only dead letters can be retried; this delivery is ${row.status}.`);
  await prisma.webhookDelivery.update({ where: { id: deliveryId }, data: { status: 'pending', attempts: 0, nextAttemptAt: now } });
  return 'pending';
}

/** Queues a 'test' delivery with a sample alert, so an admin can check the receiver and its signature check. */
export async function queueTestDelivery(prisma: PrismaClient, id: string, now: Date): Promise<string> {
  const hook = await findWebhook(prisma, id);
  const sample = {
    id: 'test',
    kind: 'DISK_GROUP_UNMOUNTED',
    severity: 'critical',
    state: 'open',
    entityType: 'diskGroup',
    entityId: 'test',
    entityName: 'esx-test disk group (test message from Keywatch)',
    title: 'Test notification',
    cause: 'An administrator sent a test message from Keywatch.',
    runbook: '1. Nothing to do: this checks that Keywatch can reach this receiver.',
    firstSeenAt: now,
    lastSeenAt: now,
    resolvedAt: null,
    ackedAt: null,
    ackedBy: null,
    ackNote: null,
  };
  const row = await prisma.webhookDelivery.create({
    data: { webhookId: hook.id, alertId: null, event: 'test', payload: buildPayload(hook.format, 'test', sample, now), status: 'pending', nextAttemptAt: now, createdAt: now },
  });
  return row.id;
}
