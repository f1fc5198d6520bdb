import type { PrismaClient } from '../db/client';

/**
 * Login throttling kept in the database, so every web replica counts the same failures.
 * A username gets 5 failures per 15 minutes, an address 20 (guessing many usernames).
 */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_USERNAME = 5;
export const MAX_FAILURES_PER_IP = 20;

export interface LoginLimit {
  allowed: boolean;
  retryAfterSeconds: number;
}

export async function checkLoginLimit(prisma: PrismaClient, username: string, ip: string, now = new Date()): Promise<LoginLimit> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const [byUser, byIp] = await Promise.all([
    prisma.loginAttempt.findMany({ where: { username, success: false, createdAt: { gt: since } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } }),
    prisma.loginAttempt.findMany({ where: { ip, success: false, createdAt: { gt: since } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } }),
  ]);
  const blockedBy = byUser.length >= MAX_FAILURES_PER_USERNAME ? byUser : byIp.length >= MAX_FAILURES_PER_IP ? byIp : undefined;
  if (!blockedBy) return { allowed: true, retryAfterSeconds: 0 };
  // Allowed again once the oldest failure in the window ages out.
  const oldest = blockedBy[blockedBy.length - (blockedBy === byUser ? MAX_FAILURES_PER_USERNAME : MAX_FAILURES_PER_IP)]!.createdAt;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1000)) };
}

export async function recordLoginAttempt(prisma: PrismaClient, username: string, ip: string, success: boolean): Promise<void> {
  await prisma.loginAttempt.create({ data: { username, ip, success } });
  if (success) {
    // A successful sign-in clears that username's failure streak.
    await prisma.loginAttempt.deleteMany({ where: { username, success: false } });
  }
}
