import { z } from 'zod';
import { checkTokenLifetime, createApiToken, listApiTokens } from '@/lib/auth/api-tokens';
import { getAuthConfig } from '@/lib/auth/config';
import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { TOKEN_SCOPES } from '@/lib/auth/policy';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

const createTokenSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, 'pick at least one scope'),
  /** Days until expiry; null = never (refused for the admin scope, which is capped). */
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(90),
});

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ tokens: await listApiTokens(prisma, { adminMaxDays: getAuthConfig().adminTokenMaxDays }) }));

export const POST = withPolicy(async (request, _context, { auth, transaction }) => {
  const input = await readJsonBody(request, createTokenSchema, 8 * 1024);
  checkTokenLifetime(input.scopes, input.expiresInDays, getAuthConfig().adminTokenMaxDays);
  const expiresAt = input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000);
  // A token lives on its creator's account: made by a token, it belongs to that token's user (or to the bootstrap).
  const owner =
    auth.kind === 'session'
      ? { createdById: auth.principal.id, origin: 'user' as const }
      : auth.kind === 'token'
        ? { createdById: auth.principal.createdById, origin: auth.principal.origin }
        : { createdById: null, origin: 'user' as const };
  const token = await transaction(async (tx, audit) => {
    const created = await createApiToken(tx, { name: input.name, scopes: input.scopes, expiresAt, ...owner });
    await audit('token.create', { type: 'token', id: created.id }, { name: input.name, scopes: input.scopes, expiresAt: expiresAt?.toISOString() ?? null });
    return created;
  });
  // The only response that ever contains the token value.
  return jsonResponse({ id: token.id, token: token.value, name: input.name, scopes: input.scopes, expiresAt: expiresAt?.toISOString() ?? null }, { status: 201 });
});
