import type { PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { parseScopes, scopeAllowedForRole, type TokenScope } from './policy';
import { randomToken, sha256Hex } from './secure-random';

export const TOKEN_PREFIX = 'kw_';
export const TOKEN_FORMAT = /^kw_[A-Za-z0-9_-]{32,200}$/;
const DAY_MS = 86_400_000;

/** user: lives only while its creator is active with a role that allows its scopes; bootstrap: KEYWATCH_BOOTSTRAP_TOKEN. */
export type TokenOrigin = 'user' | 'bootstrap';

export interface TokenPrincipal {
  id: string;
  name: string;
  scopes: TokenScope[];
  origin: TokenOrigin;
  /** The user the token acts for (null for bootstrap tokens). */
  createdById: string | null;
}

export interface TokenSummary {
  id: string;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  origin: TokenOrigin;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const TOKEN_ERROR_STATUS = { invalid: 400, 'not-found': 404 } as const;

export class TokenError extends DomainError<keyof typeof TOKEN_ERROR_STATUS> {
  override name = 'TokenError';
  constructor(code: keyof typeof TOKEN_ERROR_STATUS, message: string, field?: string) {
    super(code, TOKEN_ERROR_STATUS[code], message, { field });
  }
}

export function generateTokenValue(): string {
  return `${TOKEN_PREFIX}${randomToken(32)}`;
}

/**
 * When a token stops working: its own expiry, and for admin-scope tokens no later than
 * `adminMaxDays` after creation (so tokens from before the cap existed are capped too).
 */
export function effectiveExpiry(row: { createdAt: Date; expiresAt: Date | null }, scopes: readonly TokenScope[], adminMaxDays: number): Date | null {
  if (!scopes.includes('admin')) return row.expiresAt;
  const cap = new Date(row.createdAt.getTime() + adminMaxDays * DAY_MS);
  return row.expiresAt && row.expiresAt < cap ? row.expiresAt : cap;
}

/** Refuses an admin-scope token without expiry or beyond the cap, with the field to fix. */
export function checkTokenLifetime(scopes: readonly TokenScope[], expiresInDays: number | null, adminMaxDays: number): void {
  if (!scopes.includes('admin')) return;
  if (expiresInDays === null || expiresInDays > adminMaxDays) {
    throw new TokenError('invalid', `A token with the admin scope must expire within ${adminMaxDays} days (KEYWATCH_ADMIN_TOKEN_MAX_DAYS).`, 'expiresInDays');
  }
}

/** Stores a token by its hash; the caller shows `value` once and never again. */
export async function createApiToken(
  prisma: Pick<PrismaClient, 'apiToken'>,
  input: { name: string; scopes: TokenScope[]; expiresAt: Date | null; createdById: string | null; origin?: TokenOrigin; value?: string },
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
      origin: input.origin ?? 'user',
    },
  });
  return { id: row.id, value };
}

export type TokenCheck = { ok: true; token: TokenPrincipal } | { ok: false; reason: string; tokenId?: string };

/**
 * Whether a bearer value names a live token: known, not revoked, not expired (admin tokens
 * capped), and — unless it is the bootstrap token — made by a user who still exists, is enabled
 * and whose role still allows every scope of the token. Records lastUsedAt.
 */
export async function checkApiToken(prisma: PrismaClient, value: string, opts: { adminMaxDays: number }): Promise<TokenCheck> {
  if (!TOKEN_FORMAT.test(value)) return { ok: false, reason: 'malformed' };
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: sha256Hex(value) }, include: { createdBy: true } });
  if (!row) return { ok: false, reason: 'unknown' };
  const scopes = parseScopes(row.scopes);
  if (row.revokedAt) return { ok: false, reason: 'revoked', tokenId: row.id };
  const expiry = effectiveExpiry(row, scopes, opts.adminMaxDays);
  if (expiry && expiry <= new Date()) return { ok: false, reason: 'expired', tokenId: row.id };
  const origin: TokenOrigin = row.origin === 'bootstrap' ? 'bootstrap' : 'user';
  if (origin === 'user') {
    const creator = row.createdBy;
    if (!creator) return { ok: false, reason: 'creator deleted', tokenId: row.id };
    if (creator.disabled) return { ok: false, reason: 'creator disabled', tokenId: row.id };
    if (creator.isDemo || !scopes.every((scope) => scopeAllowedForRole(scope, creator.role))) {
      return { ok: false, reason: `creator's role ${creator.role} no longer allows the scopes`, tokenId: row.id };
    }
  }
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 30_000) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  return { ok: true, token: { id: row.id, name: row.name, scopes, origin, createdById: row.createdById } };
}

export async function revokeApiToken(prisma: Pick<PrismaClient, 'apiToken'>, id: string): Promise<{ name: string }> {
  const row = await prisma.apiToken.findUnique({ where: { id } });
  if (!row) throw new TokenError('not-found', 'No API token with that id.');
  if (!row.revokedAt) await prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  return { name: row.name };
}

export async function listApiTokens(prisma: PrismaClient, opts: { adminMaxDays: number }): Promise<TokenSummary[]> {
  const rows = await prisma.apiToken.findMany({ orderBy: { createdAt: 'desc' }, include: { createdBy: { select: { username: true } } } });
  return rows.map((r) => {
    const scopes = parseScopes(r.scopes);
    return {
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      scopes,
      origin: r.origin === 'bootstrap' ? 'bootstrap' : 'user',
      createdAt: r.createdAt.toISOString(),
      createdBy: r.createdBy?.username ?? null,
      expiresAt: effectiveExpiry(r, scopes, opts.adminMaxDays)?.toISOString() ?? null,
      revokedAt: r.revokedAt?.toISOString() ?? null,
      lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    };
  });
}
