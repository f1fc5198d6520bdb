import type { PrismaClient } from '../db/client';

/**
 * Sign-in throttling kept in the database, so every web replica counts the same attempts.
 * A username gets 5 failures per 15 minutes, an address 20 (guessing many usernames).
 *
 * An attempt is claimed before the password is checked: under per-username and per-address
 * advisory locks the failures in the window are counted and, if there is room, the attempt is
 * written at once as a failure. So N concurrent guesses cannot all pass the count before the
 * first failure is written; a success then flips its own row and clears the username's streak.
 */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_USERNAME = 5;
export const MAX_FAILURES_PER_IP = 20;
/** The username recorded for setup-link attempts, which are limited per address only. */
export const SETUP_ATTEMPT = '(setup)';

export type AttemptClaim = { allowed: true; attemptId: string } | { allowed: false; retryAfterSeconds: number };

interface Limit {
  column: 'username' | 'ip';
  value: string;
  max: number;
}

function retryAfter(failures: Date[], max: number, now: Date): number {
  // Allowed again once the oldest failure that keeps the count at the limit ages out.
  const oldest = failures[failures.length - max]!;
  return Math.max(1, Math.ceil((oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1000));
}

export async function claimAttempt(
  prisma: PrismaClient,
  attempt: { username: string; ip: string; perUsername: boolean },
  now = new Date(),
): Promise<AttemptClaim> {
  const limits: Limit[] = [
    ...(attempt.perUsername ? [{ column: 'username' as const, value: attempt.username, max: MAX_FAILURES_PER_USERNAME }] : []),
    { column: 'ip', value: attempt.ip, max: MAX_FAILURES_PER_IP },
  ];
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  return prisma.$transaction(
    async (tx) => {
      // Always username before address, so two claims never wait on each other in a cycle.
      for (const limit of limits) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`kw-attempt:${limit.column}:${limit.value}`}))`;
      for (const limit of limits) {
        const failures = await tx.loginAttempt.findMany({
          where: { [limit.column]: limit.value, success: false, createdAt: { gt: since } },
          orderBy: { createdAt: 'asc' },
          select: { createdAt: true },
        });
        if (failures.length >= limit.max) return { allowed: false as const, retryAfterSeconds: retryAfter(failures.map((f) => f.createdAt), limit.max, now) };
      }
      const row = await tx.loginAttempt.create({ data: { username: attempt.username, ip: attempt.ip, success: false, createdAt: now } });
      return { allowed: true as const, attemptId: row.id };
    },
    { timeout: 15_000, maxWait: 15_000 },
  );
}

/** The claimed attempt succeeded: it stops counting, and so does the username's failure streak. */
export async function attemptSucceeded(prisma: PrismaClient, attemptId: string, username: string): Promise<void> {
  await prisma.loginAttempt.update({ where: { id: attemptId }, data: { success: true } });
  await prisma.loginAttempt.deleteMany({ where: { username, success: false } });
}

/** The attempt was neither right nor wrong (the password was right, the second factor not sent yet). */
export async function attemptWithdrawn(prisma: PrismaClient, attemptId: string): Promise<void> {
  await prisma.loginAttempt.deleteMany({ where: { id: attemptId } });
}
