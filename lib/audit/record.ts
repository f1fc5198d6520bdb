import type { PrismaClient } from '../db/client';

/**
 * The audit log's only write path: append. There is deliberately no update or delete here,
 * and the database trigger from the migration rejects both anyway.
 */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export type AuditActor =
  | { type: 'user'; id: string; name: string }
  | { type: 'token'; id: string; name: string }
  | { type: 'system'; name?: string }
  | { type: 'anonymous'; name?: string };

/** Well-known actions; later issues add theirs with the same dotted style. */
export type AuditAction =
  | 'auth.login'
  | 'auth.logout'
  | 'auth.setup'
  | 'auth.bootstrap'
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'token.create'
  | 'token.revoke'
  | 'target.vcenter.create'
  | 'target.vcenter.update'
  | 'target.vcenter.delete'
  | 'target.vcenter.test'
  | 'target.kms.create'
  | 'target.kms.update'
  | 'target.kms.delete'
  | 'target.kms.test'
  | 'target.kms.csr'
  | 'targets.file.apply'
  | 'secrets.rotate'
  | 'gate.decision'
  | 'host.action'
  | 'override.create'
  | 'override.delete'
  | 'alert.ack'
  | 'campaign.create'
  | 'campaign.step'
  | (string & {});

export interface AuditEventInput {
  actor: AuditActor;
  action: AuditAction;
  outcome: AuditOutcome;
  target?: { type: string; id?: string | null };
  ip?: string | null;
  /** Facts about the event. Never put secrets here: the log is readable by managers. */
  details?: Record<string, unknown>;
}

export async function recordAudit(prisma: Pick<PrismaClient, 'auditEvent'>, event: AuditEventInput): Promise<void> {
  const actor = event.actor;
  await prisma.auditEvent.create({
    data: {
      actorType: actor.type,
      actorId: actor.type === 'user' || actor.type === 'token' ? actor.id : null,
      actorName: actor.name ?? actor.type,
      action: event.action,
      outcome: event.outcome,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      ip: event.ip ?? null,
      details: event.details ? JSON.stringify(event.details) : null,
    },
  });
}
