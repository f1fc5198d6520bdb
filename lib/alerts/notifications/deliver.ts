/**
 * Sends queued webhook deliveries: claims due ones (FOR UPDATE SKIP LOCKED, so two workers never
 * send the same delivery at once), POSTs the stored body with its HMAC signature, and records the
 * outcome: delivered, retried later with exponential back-off and jitter, or dead after
 * `maxAttempts` (a dead letter stays in the delivery log until an admin retries it).
 */
import type { PrismaClient } from '../../db/client';
import type { Logger } from '../../logging/logger';
import type { SecretBox } from '../../secrets/keyring';
import { SIGNATURE_HEADER, signPayload } from './signature';
import { WEBHOOK_SECRET } from './webhooks';

export interface DeliverOptions {
  workerId: string;
  now: () => Date;
  box: SecretBox;
  maxAttempts: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Deliveries claimed per run (default 25). */
  batch?: number;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  logger?: Logger;
  random?: () => number;
}

export interface DeliverResult {
  delivered: number;
  retrying: number;
  dead: number;
}

const BASE_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3600_000;

/** Delay before attempt `attempts + 1`: 30 s, 60 s, 2 min … capped at an hour, ±20 % jitter. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(BASE_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface Claimed {
  id: string;
}

async function claimDue(prisma: PrismaClient, now: Date, holdUntil: Date, limit: number): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<Claimed[]>(
    `UPDATE "WebhookDelivery" SET "nextAttemptAt" = $2
     WHERE "id" IN (
       SELECT "id" FROM "WebhookDelivery" WHERE "status" = 'pending' AND "nextAttemptAt" <= $1
       ORDER BY "nextAttemptAt" LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING "id"`,
    now,
    holdUntil,
    limit,
  );
  return rows.map((r) => r.id);
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

export async function deliverDue(prisma: PrismaClient, opts: DeliverOptions): Promise<DeliverResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const random = opts.random ?? Math.random;
  const started = opts.now();
  // Held long enough to cover the request; a worker that dies mid-send frees it after this.
  const ids = await claimDue(prisma, started, new Date(started.getTime() + timeoutMs + 30_000), opts.batch ?? 25);
  const result: DeliverResult = { delivered: 0, retrying: 0, dead: 0 };
  if (ids.length === 0) return result;
  const deliveries = await prisma.webhookDelivery.findMany({ where: { id: { in: ids } }, include: { webhook: true } });
  const queue = [...deliveries];
  const workers = Array.from({ length: Math.min(opts.concurrency ?? 4, queue.length) }, async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const attemptAt = opts.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Keywatch-Webhook/1', 'x-keywatch-event': d.event, 'x-keywatch-delivery': d.id };
        if (d.webhook.secretEnc) headers[SIGNATURE_HEADER] = signPayload(opts.box.open(d.webhook.secretEnc, WEBHOOK_SECRET), d.payload, attemptAt);
        const res = await fetch(d.webhook.url, { method: 'POST', headers, body: d.payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (!res.ok) error = `The receiver answered HTTP ${res.status}.`;
      } catch (err) {
        error = err instanceof Error && err.name === 'TimeoutError' ? `No answer within ${timeoutMs / 1000} s.` : oneLine(err);
      }
      const attempts = d.attempts + 1;
      if (error === null) {
        await prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: 'delivered', attempts, lastAttemptAt: attemptAt, responseStatus: status, lastError: null, deliveredAt: opts.now(), nextAttemptAt: null } });
        result.delivered++;
      } else if (attempts >= opts.maxAttempts) {
        await prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: 'dead', attempts, lastAttemptAt: attemptAt, responseStatus: status, lastError: error, nextAttemptAt: null } });
        result.dead++;
        opts.logger?.warn({ webhook: d.webhook.name, delivery: d.id, attempts, reason: error }, 'webhook delivery given up (dead letter)');
      } else {
        await prisma.webhookDelivery.update({
          where: { id: d.id },
          data: { attempts, lastAttemptAt: attemptAt, responseStatus: status, lastError: error, nextAttemptAt: new Date(attemptAt.getTime() + retryDelayMs(attempts, random)) },
        });
        result.retrying++;
        opts.logger?.info({ webhook: d.webhook.name, delivery: d.id, attempts, reason: error }, 'webhook delivery failed; will retry');
      }
    }
  });
  await Promise.all(workers);
  return result;
}
