import { z } from 'zod';
import type { PrismaClient } from '../db/client';

export const auditQuerySchema = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  targetType: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Keyset cursor: the id of the last event of the previous page. */
  before: z.string().max(100).optional(),
});

export type AuditQuery = z.infer<typeof auditQuerySchema>;

export interface AuditEventView {
  id: string;
  at: string;
  actorType: string;
  actorName: string;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

function parseDetails(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Newest first. `action` matches a prefix ("target." = every target change). */
export async function listAuditEvents(prisma: PrismaClient, query: AuditQuery): Promise<{ events: AuditEventView[]; nextBefore: string | null }> {
  const anchor = query.before ? await prisma.auditEvent.findUnique({ where: { id: query.before }, select: { id: true, at: true } }) : null;
  const rows = await prisma.auditEvent.findMany({
    where: {
      ...(query.action && { action: { startsWith: query.action } }),
      ...(query.actor && { actorName: { contains: query.actor, mode: 'insensitive' as const } }),
      ...(query.outcome && { outcome: query.outcome }),
      ...(query.targetType && { targetType: query.targetType }),
      at: {
        ...(query.since && { gte: new Date(query.since) }),
        ...(query.until && { lte: new Date(query.until) }),
      },
      // Keyset on the sort order (at desc, id desc): events sharing the anchor's timestamp are
      // split by id, so none is shown twice or skipped between pages.
      ...(anchor && { OR: [{ at: { lt: anchor.at } }, { at: anchor.at, id: { lt: anchor.id } }] }),
    },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  return {
    events: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorType: r.actorType,
      actorName: r.actorName,
      action: r.action,
      outcome: r.outcome,
      targetType: r.targetType,
      targetId: r.targetId,
      ip: r.ip,
      details: parseDetails(r.details),
    })),
    nextBefore: rows.length > query.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
