import { beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../db/client';
import { useTestDatabase } from '../db/testing/use-test-database';
import { auditQuerySchema, listAuditEvents } from './query';

describe('listAuditEvents paging', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  beforeAll(async () => {
    prisma = database.db().prisma;
    // Events recorded in the same millisecond are common (a batch of sign-ins, a campaign step).
    const sameInstant = new Date('2026-03-01T12:00:00.000Z');
    for (let i = 0; i < 7; i++) {
      await prisma.auditEvent.create({
        data: { at: i < 5 ? sameInstant : new Date(sameInstant.getTime() - i * 1000), actorType: 'user', actorName: 'a', action: 'auth.login', outcome: 'success' },
      });
    }
  });

  it('walks every event exactly once, newest first, across pages that split a shared timestamp', async () => {
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await listAuditEvents(prisma, auditQuerySchema.parse({ limit: 2, ...(before && { before }) }));
      seen.push(...result.events.map((e) => e.id));
      if (!result.nextBefore) break;
      before = result.nextBefore;
    }
    const all = await prisma.auditEvent.findMany({ orderBy: [{ at: 'desc' }, { id: 'desc' }], select: { id: true } });
    expect(seen).toEqual(all.map((e) => e.id));
  });
});
