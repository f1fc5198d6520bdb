/**
 * Alerts for on-call: filtered, in the order they should be read (unmounted disk groups pinned on
 * top, then critical first, newest first), with a link to the thing each is about; and the
 * acknowledgement (a note, who, when), which webhooks hear about too.
 */
import { DomainError } from '../http/errors';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import type { Alert } from '../db/generated/client';
import { ALERT_KINDS, PINNED_KINDS, SEVERITIES } from './catalog';
import { enqueueNotifications } from './notifications/enqueue';

const ALERTERROR_STATUS = { 'not-found': 404, conflict: 409, invalid: 400 } as const;

export class AlertError extends DomainError<keyof typeof ALERTERROR_STATUS> {
  override name = 'AlertError';
  constructor(code: keyof typeof ALERTERROR_STATUS, message: string, field?: string) {
    super(code, ALERTERROR_STATUS[code], message, field === undefined ? {} : { field });
  }
}

export const alertsQuerySchema = z.object({
  state: z.enum(['open', 'resolved', 'all']).default('open'),
  severity: z.enum(SEVERITIES).optional(),
  kind: z.enum(ALERT_KINDS).optional(),
  /** An entity id, or part of an entity name (case-insensitive). */
  entity: z.string().trim().min(1).max(300).optional(),
  /** VcenterTarget / KmsProvider id the alert came from. */
  target: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(600).optional(),
});
export type AlertsQuery = z.infer<typeof alertsQuerySchema>;

export const ackBodySchema = z.object({ note: z.string().trim().min(1, 'is required').max(2000) });

export interface AlertView {
  id: string;
  kind: string;
  severity: string;
  state: string;
  pinned: boolean;
  entity: { type: string; id: string; name: string };
  /** Where to look: the host page, or the key provider page (ids of the read APIs). */
  links: { hostId: string | null; keyProviderId: string | null; vcenterId: string | null };
  targetId: string | null;
  title: string;
  cause: string;
  runbook: string;
  details: Record<string, unknown> | null;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  acknowledged: { at: string; by: string | null; note: string | null } | null;
}

function parseDetails(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function view(a: Alert, providerOfTarget: Map<string, string>, vcenterIds: Set<string>): AlertView {
  const details = parseDetails(a.details);
  const hostId = a.entityType === 'host' ? a.entityId : typeof details?.hostId === 'string' ? details.hostId : null;
  const keyProviderId =
    (a.targetId && providerOfTarget.get(a.targetId)) ?? (typeof details?.providerId === 'string' ? details.providerId : typeof details?.provider === 'string' ? details.provider : null);
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    state: a.state,
    pinned: a.state === 'open' && (PINNED_KINDS as readonly string[]).includes(a.kind),
    entity: { type: a.entityType, id: a.entityId, name: a.entityName },
    links: { hostId, keyProviderId, vcenterId: a.targetId && vcenterIds.has(a.targetId) ? a.targetId : null },
    targetId: a.targetId,
    title: a.title,
    cause: a.cause,
    runbook: a.runbook,
    details,
    firstSeenAt: a.firstSeenAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
    acknowledged: a.ackedAt ? { at: a.ackedAt.toISOString(), by: a.ackedBy, note: a.ackNote } : null,
  };
}

async function linkMaps(prisma: PrismaClient): Promise<[Map<string, string>, Set<string>]> {
  const [kms, vcenters] = await Promise.all([prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true } }), prisma.vcenterTarget.findMany({ select: { id: true } })]);
  return [new Map(kms.map((k) => [k.id, k.keyProviderId ?? k.name])), new Set(vcenters.map((v) => v.id))];
}

const cursorSchema = z.tuple([z.number().int(), z.number().int(), z.string(), z.string()]);

const PIN = `(CASE WHEN "state" = 'open' AND "kind" IN (${PINNED_KINDS.map((k) => `'${k}'`).join(', ')}) THEN 1 ELSE 0 END)`;
const SEV = `(CASE "severity" WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END)`;

/** WHERE clauses of the filters, their values appended to `params`. */
function filterClauses(query: AlertsQuery, params: unknown[]): string[] {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (query.state !== 'all') where.push(`"state" = ${p(query.state)}`);
  if (query.severity) where.push(`"severity" = ${p(query.severity)}`);
  if (query.kind) where.push(`"kind" = ${p(query.kind)}`);
  if (query.target) where.push(`"targetId" = ${p(query.target)}`);
  if (query.entity) where.push(`("entityId" = ${p(query.entity)} OR "entityName" ILIKE ${p(`%${query.entity.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)})`);
  return where;
}

function decodeCursor(cursor: string): z.infer<typeof cursorSchema> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AlertError('invalid', 'The cursor is not one this API returned; start again without it.', 'cursor');
  }
}

export async function listAlerts(prisma: PrismaClient, query: AlertsQuery): Promise<{ alerts: AlertView[]; nextCursor: string | null; counts: Record<string, number> }> {
  const params: unknown[] = [];
  const where = filterClauses(query, params);
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    params.push(c[0], c[1], new Date(c[2]), c[3]);
    const n = params.length;
    where.push(`(${PIN}, ${SEV}, "firstSeenAt", "id") < ($${n - 3}::int, $${n - 2}::int, $${n - 1}::timestamp(3), $${n})`);
  }
  params.push(query.limit + 1);
  const rows = await prisma.$queryRawUnsafe<(Alert & { pin: number; sev: number })[]>(
    `SELECT *, ${PIN} AS pin, ${SEV} AS sev FROM "Alert" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY pin DESC, sev DESC, "firstSeenAt" DESC, "id" DESC LIMIT $${params.length}`,
    ...params,
  );
  const countParams: unknown[] = [];
  const countWhere = filterClauses(query, countParams);
  const counts = await prisma.$queryRawUnsafe<{ severity: string; n: number }[]>(
    `SELECT "severity", count(*)::int AS n FROM "Alert" ${countWhere.length ? `WHERE ${countWhere.join(' AND ')}` : ''} GROUP BY "severity"`,
    ...countParams,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const [providers, vcenters] = await linkMaps(prisma);
  return {
    alerts: page.map((a) => view(normalize(a), providers, vcenters)),
    nextCursor:
      rows.length > query.limit && last ? Buffer.from(JSON.stringify([Number(last.pin), Number(last.sev), normalize(last).firstSeenAt.toISOString(), last.id])).toString('base64url') : null,
    counts: Object.fromEntries(counts.map((c) => [c.severity, Number(c.n)])),
  };
}

/** Raw rows carry dates as Date already with the pg adapter; strings are accepted for safety. */
function normalize(a: Alert): Alert {
  const d = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));
  return { ...a, firstSeenAt: d(a.firstSeenAt)!, lastSeenAt: d(a.lastSeenAt)!, resolvedAt: d(a.resolvedAt), ackedAt: d(a.ackedAt) };
}

export async function getAlert(prisma: PrismaClient, id: string): Promise<AlertView> {
  const row = await prisma.alert.findUnique({ where: { id } });
  if (!row) throw new AlertError('not-found', 'No alert with that id.');
  const [providers, vcenters] = await linkMaps(prisma);
  return view(row, providers, vcenters);
}

/** Acknowledges an open alert with a note (again: the note is replaced); queues the 'ack' webhooks. */
export async function acknowledgeAlert(prisma: PrismaClient, id: string, by: string, note: string, now: Date): Promise<AlertView> {
  const updated = await prisma.$transaction(async (tx) => {
    const row = await tx.alert.findUnique({ where: { id } });
    if (!row) throw new AlertError('not-found', 'No alert with that id.');
    if (row.state !== 'open') throw new AlertError('conflict', `This alert was resolved at ${row.resolvedAt?.toISOString() ?? 'an earlier time'}; there is nothing to acknowledge.`);
    const alert = await tx.alert.update({ where: { id }, data: { ackedAt: now, ackedBy: by, ackNote: note } });
    await enqueueNotifications(tx, 'ack', [alert], now);
    return alert;
  });
  const [providers, vcenters] = await linkMaps(prisma);
  return view(updated, providers, vcenters);
}
