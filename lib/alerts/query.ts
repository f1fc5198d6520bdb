/**
 * Alerts for on-call: filtered, in the order they should be read (unmounted disk groups pinned on
 * top, then critical first, newest first), with a link to the thing each is about; and the
 * acknowledgement (a note, who, when), which webhooks hear about too.
 */
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import type { Alert } from '../db/generated/client';
import { ALERT_KINDS, PINNED_KINDS, SEVERITIES } from './catalog';
import { AlertError } from './errors';
import { enqueueNotifications } from './notifications/enqueue';


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

/** `kmsTargetProvider`: the key provider id of the KMS target the alert came from, if it came from one. */
function view(a: Alert, kmsTargetProvider: string | null, fromVcenter: boolean): AlertView {
  const details = parseDetails(a.details);
  const hostId = a.entityType === 'host' ? a.entityId : typeof details?.hostId === 'string' ? details.hostId : null;
  const keyProviderId = kmsTargetProvider ?? (typeof details?.providerId === 'string' ? details.providerId : typeof details?.provider === 'string' ? details.provider : null);
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    state: a.state,
    pinned: a.state === 'open' && (PINNED_KINDS as readonly string[]).includes(a.kind),
    entity: { type: a.entityType, id: a.entityId, name: a.entityName },
    links: { hostId, keyProviderId, vcenterId: fromVcenter ? a.targetId : null },
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

async function linkOf(prisma: PrismaClient, targetId: string | null): Promise<[string | null, boolean]> {
  if (!targetId) return [null, false];
  const [kms, vc] = await Promise.all([
    prisma.kmsProvider.findUnique({ where: { id: targetId }, select: { name: true, keyProviderId: true } }),
    prisma.vcenterTarget.findUnique({ where: { id: targetId }, select: { id: true } }),
  ]);
  return [kms ? (kms.keyProviderId ?? kms.name) : null, vc !== null];
}

const cursorSchema = z.tuple([z.number().int(), z.number().int(), z.string(), z.string()]);

const PIN = (t: string) => `(CASE WHEN ${t}"state" = 'open' AND ${t}"kind" IN (${PINNED_KINDS.map((k) => `'${k}'`).join(', ')}) THEN 1 ELSE 0 END)`;
const SEV = (t: string) => `(CASE ${t}"severity" WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END)`;

/** The filters' WHERE clauses for a table alias; values are appended to `params` once and shared by every alias. */
function filterClauses(query: AlertsQuery, params: unknown[]): (alias: string) => string[] {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const clauses: ((t: string) => string)[] = [];
  const equal: [string, string | undefined][] = [
    ['state', query.state === 'all' ? undefined : query.state],
    ['severity', query.severity],
    ['kind', query.kind],
    ['targetId', query.target],
  ];
  for (const [column, value] of equal) {
    if (value === undefined) continue;
    const v = p(value);
    clauses.push((t) => `${t}"${column}" = ${v}`);
  }
  if (query.entity) {
    const id = p(query.entity);
    const name = p(`%${query.entity.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    clauses.push((t) => `(${t}"entityId" = ${id} OR ${t}"entityName" ILIKE ${name})`);
  }
  return (alias) => clauses.map((c) => c(alias));
}

function decodeCursor(cursor: string): z.infer<typeof cursorSchema> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AlertError('invalid', 'The cursor is not one this API returned; start again without it.', 'cursor');
  }
}

const where = (clauses: string[]) => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '');

type AlertPageRow = Alert & { pin: number; sev: number; linkProvider: string | null; fromVcenter: boolean; counts: Record<string, number> | null };

/**
 * One SQL statement per page: the filtered alerts in on-call order (keyset cursor), with the
 * link targets joined and the per-severity counts of the whole filtered set alongside.
 */
export async function listAlerts(prisma: PrismaClient, query: AlertsQuery): Promise<{ alerts: AlertView[]; nextCursor: string | null; counts: Record<string, number> }> {
  const params: unknown[] = [];
  const filters = filterClauses(query, params);
  const filterParams = params.length;
  const outer = filters('a.');
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    params.push(c[0], c[1], new Date(c[2]), c[3]);
    const n = params.length;
    outer.push(`(${PIN('a.')}, ${SEV('a.')}, a."firstSeenAt", a."id") < ($${n - 3}::int, $${n - 2}::int, $${n - 1}::timestamp(3), $${n})`);
  }
  params.push(query.limit + 1);
  const counts = `(SELECT json_object_agg(s."severity", s.n) FROM (SELECT x."severity", count(*)::int AS n FROM "Alert" x ${where(filters('x.'))} GROUP BY x."severity") s)`;
  const rows = await prisma.$queryRawUnsafe<AlertPageRow[]>(
    `SELECT a.*, ${PIN('a.')} AS pin, ${SEV('a.')} AS sev, COALESCE(k."keyProviderId", k."name") AS "linkProvider",
            (v."id" IS NOT NULL) AS "fromVcenter", ${counts} AS counts
     FROM "Alert" a
     LEFT JOIN "KmsProvider" k ON k."id" = a."targetId"
     LEFT JOIN "VcenterTarget" v ON v."id" = a."targetId"
     ${where(outer)}
     ORDER BY pin DESC, sev DESC, a."firstSeenAt" DESC, a."id" DESC LIMIT $${params.length}`,
    ...params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  let severityCounts = rows[0]?.counts ?? null;
  if (rows.length === 0 && query.cursor) {
    // Past the last page: the counts still describe the whole filtered set.
    const [only] = await prisma.$queryRawUnsafe<{ counts: Record<string, number> | null }[]>(`SELECT ${counts} AS counts`, ...params.slice(0, filterParams));
    severityCounts = only?.counts ?? null;
  }
  return {
    alerts: page.map((a) => view(normalize(a), a.linkProvider, Boolean(a.fromVcenter))),
    nextCursor:
      rows.length > query.limit && last ? Buffer.from(JSON.stringify([Number(last.pin), Number(last.sev), normalize(last).firstSeenAt.toISOString(), last.id])).toString('base64url') : null,
    counts: Object.fromEntries(Object.entries(severityCounts ?? {}).map(([k, v]) => [k, Number(v)])),
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
  return view(row, ...(await linkOf(prisma, row.targetId)));
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
  return view(updated, ...(await linkOf(prisma, updated.targetId)));
}
