import type { PrismaClient } from '../db/client';
import { parseScopes, type TokenScope } from './policy';
import { randomToken, sha256Hex } from './secure-random';

export const TOKEN_PREFIX = 'kw_';
export const TOKEN_FORMAT = /^kw_[A-Za-z0-9_-]{32,200}$/;

export interface TokenPrincipal {
  id: string;
  name: string;
  scopes: TokenScope[];
}

export interface TokenSummary {
  id: string;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export function generateTokenValue(): string {
  return `${TOKEN_PREFIX}${randomToken(32)}`;
}

/** Stores a token by its hash; the caller shows `value` once and never again. */
export async function createApiToken(
  prisma: Pick<PrismaClient, 'apiToken'>,
  input: { name: string; scopes: TokenScope[]; expiresAt: Date | null; createdById: string | null; value?: string },
): Promise<{ id: string; value: string }> {
  const value = input.value ?? generateTokenValue();
  const row = await prisma.apiToken.create({
    data: {
      name: input.name,
      tokenHash: sha256Hex(value),
      prefix: value.slice(0, 8),
      scopes: [...new Set(input.scopes)].join(','),
      expiresAt: input.expiresAt,
      createdById: input.createdById,
    },
  });
  return { id: row.id, value };
}

/** The token a bearer value names if it is live (not revoked, not expired); records lastUsedAt. */
export async function verifyApiToken(prisma: PrismaClient, value: string): Promise<TokenPrincipal | undefined> {
  if (!TOKEN_FORMAT.test(value)) return undefined;
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: sha256Hex(value) } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return undefined;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 30_000) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  return { id: row.id, name: row.name, scopes: parseScopes(row.scopes) };
}

export async function revokeApiToken(prisma: PrismaClient, id: string): Promise<{ name: string } | undefined> {
  const row = await prisma.apiToken.findUnique({ where: { id } });
  if (!row) return undefined;
  if (!row.revokedAt) await prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  return { name: row.name };
}

export async function listApiTokens(prisma: PrismaClient): Promise<TokenSummary[]> {
  const rows = await prisma.apiToken.findMany({ orderBy: { createdAt: 'desc' }, include: { createdBy: { select: { username: true } } } });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: parseScopes(r.scopes),
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy?.username ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  }));
}
