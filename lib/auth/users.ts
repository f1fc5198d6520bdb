import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords';
import { ROLES, type Role } from './policy';
import { deleteUserSessions } from './sessions';

export const usernameSchema = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._@-]*$/, 'may contain lower-case letters, digits, dot, dash, underscore and @');

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, 'must be at most 1024 characters');

export const createUserSchema = z.object({
  username: usernameSchema,
  displayName: z.string().trim().max(120).optional(),
  role: z.enum(ROLES),
  password: passwordSchema,
});

export const updateUserSchema = z.object({
  displayName: z.string().trim().max(120).nullable().optional(),
  role: z.enum(ROLES).optional(),
  password: passwordSchema.optional(),
  disabled: z.boolean().optional(),
});

export interface UserView {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  isDemo: boolean;
  disabled: boolean;
  sso: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

type UserRow = Awaited<ReturnType<PrismaClient['user']['findFirstOrThrow']>>;

export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    isDemo: u.isDemo,
    disabled: u.disabled,
    sso: u.oidcSubject !== null,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}

const USER_ERROR_STATUS = { conflict: 409, 'not-found': 404, 'last-admin': 409 } as const;

export class UserError extends DomainError<keyof typeof USER_ERROR_STATUS> {
  override name = 'UserError';
  constructor(code: keyof typeof USER_ERROR_STATUS, message: string) {
    super(code, USER_ERROR_STATUS[code], message);
  }
}

export async function listUsers(prisma: PrismaClient): Promise<UserView[]> {
  return (await prisma.user.findMany({ orderBy: { username: 'asc' } })).map(userView);
}

export async function createLocalUser(prisma: PrismaClient, input: z.infer<typeof createUserSchema>): Promise<UserView> {
  const passwordHash = await hashPassword(input.password);
  try {
    return userView(await prisma.user.create({ data: { username: input.username, displayName: input.displayName ?? null, role: input.role, passwordHash } }));
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') throw new UserError('conflict', `A user named ${input.username} already exists.`);
    throw error;
  }
}

async function assertNotLastAdmin(prisma: PrismaClient, userId: string): Promise<void> {
  const admins = await prisma.user.count({ where: { role: 'admin', disabled: false, isDemo: false, id: { not: userId } } });
  if (admins === 0) throw new UserError('last-admin', 'This is the last active admin; make someone else admin first.');
}

export async function updateUser(prisma: PrismaClient, id: string, input: z.infer<typeof updateUserSchema>): Promise<UserView> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new UserError('not-found', 'No user with that id.');
  if (existing.role === 'admin' && ((input.role && input.role !== 'admin') || input.disabled)) await assertNotLastAdmin(prisma, id);
  const row = await prisma.user.update({
    where: { id },
    data: {
      ...(input.displayName !== undefined && { displayName: input.displayName }),
      ...(input.role && { role: input.role }),
      ...(input.disabled !== undefined && { disabled: input.disabled }),
      ...(input.password && { passwordHash: await hashPassword(input.password) }),
    },
  });
  // A changed role, password or a disabled account must not keep old sessions alive.
  if (input.role || input.password || input.disabled) await deleteUserSessions(prisma, id);
  return userView(row);
}

export async function deleteUser(prisma: PrismaClient, id: string): Promise<{ username: string }> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new UserError('not-found', 'No user with that id.');
  if (existing.role === 'admin') await assertNotLastAdmin(prisma, id);
  await prisma.user.delete({ where: { id } });
  return { username: existing.username };
}
