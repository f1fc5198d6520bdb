import { z } from 'zod';
import type { Db, PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { BREACHED_MESSAGE, isBreachedPassword } from './breached-passwords';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords';
import { ROLES, type Role } from './policy';
import { deleteUserSessions } from './sessions';

export const usernameSchema = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._@-]*$/, 'may contain lower-case letters, digits, dot, dash, underscore and @');

/** Every new password: long enough, not absurdly long, and not in the bundled breached list. */
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, 'must be at most 1024 characters')
  .refine((password) => !isBreachedPassword(password), BREACHED_MESSAGE);

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

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, 'is required').max(1024),
  newPassword: passwordSchema,
});

export interface UserView {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  isDemo: boolean;
  disabled: boolean;
  sso: boolean;
  totpEnabled: boolean;
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
    totpEnabled: u.totpSecretEnc !== null,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}

const USER_ERROR_STATUS = { conflict: 409, 'not-found': 404, 'last-admin': 409, demo: 409 } as const;

export class UserError extends DomainError<keyof typeof USER_ERROR_STATUS> {
  override name = 'UserError';
  constructor(code: keyof typeof USER_ERROR_STATUS, message: string, field?: string) {
    super(code, USER_ERROR_STATUS[code], message, { field });
  }
}

export async function listUsers(prisma: PrismaClient): Promise<UserView[]> {
  return (await prisma.user.findMany({ orderBy: { username: 'asc' } })).map(userView);
}

/** Hash first (slow, outside any transaction), then `createLocalUser` inside one. */
export async function createLocalUser(prisma: Db, input: Omit<z.infer<typeof createUserSchema>, 'password'> & { passwordHash: string }): Promise<UserView> {
  try {
    return userView(await prisma.user.create({ data: { username: input.username, displayName: input.displayName ?? null, role: input.role, passwordHash: input.passwordHash } }));
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') throw new UserError('conflict', `A user named ${input.username} already exists.`);
    throw error;
  }
}

async function assertNotLastAdmin(prisma: Db, userId: string): Promise<void> {
  const admins = await prisma.user.count({ where: { role: 'admin', disabled: false, isDemo: false, id: { not: userId } } });
  if (admins === 0) throw new UserError('last-admin', 'This is the last active admin; make someone else admin first.');
}

export type UserUpdate = Omit<z.infer<typeof updateUserSchema>, 'password'> & { passwordHash?: string };

/** The part of an update that is slow: hashing a new password. Do it before opening a transaction. */
export async function prepareUserUpdate(input: z.infer<typeof updateUserSchema>): Promise<UserUpdate> {
  const { password, ...rest } = input;
  return password === undefined ? rest : { ...rest, passwordHash: await hashPassword(password) };
}

export async function updateUser(prisma: Db, id: string, input: UserUpdate): Promise<UserView> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new UserError('not-found', 'No user with that id.');
  if (existing.isDemo && ((input.role && input.role !== existing.role) || input.passwordHash)) {
    // The demo login needs no password, so whatever the demo account may do, anyone may do.
    throw new UserError('demo', 'The demo account is a password-less read-only viewer: its role and password cannot be changed.', input.role ? 'role' : 'password');
  }
  if (existing.role === 'admin' && ((input.role && input.role !== 'admin') || input.disabled)) await assertNotLastAdmin(prisma, id);
  const row = await prisma.user.update({
    where: { id },
    data: {
      ...(input.displayName !== undefined && { displayName: input.displayName }),
      ...(input.role && { role: input.role }),
      ...(input.disabled !== undefined && { disabled: input.disabled }),
      ...(input.passwordHash && { passwordHash: input.passwordHash, passwordChangedAt: new Date() }),
    },
  });
  // A changed role, password or a disabled account must not keep old sessions alive.
  if (input.role || input.passwordHash || input.disabled) await deleteUserSessions(prisma, id);
  return userView(row);
}

/** Self-service: the current password was verified by the caller; other sessions of the user end. */
export async function setOwnPassword(prisma: Db, id: string, passwordHash: string, currentSessionId: string): Promise<void> {
  await prisma.user.update({ where: { id }, data: { passwordHash, passwordChangedAt: new Date() } });
  await deleteUserSessions(prisma, id, { except: currentSessionId });
}

export async function deleteUser(prisma: Db, id: string): Promise<{ username: string }> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new UserError('not-found', 'No user with that id.');
  if (existing.role === 'admin') await assertNotLastAdmin(prisma, id);
  await prisma.user.delete({ where: { id } });
  return { username: existing.username };
}
