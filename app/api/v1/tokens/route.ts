import { z } from 'zod';
import { createApiToken, listApiTokens } from '@/lib/auth/api-tokens';
import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { TOKEN_SCOPES } from '@/lib/auth/policy';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

const createTokenSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, 'pick at least one scope'),
  /** Days until expiry; null = never (admins should prefer an expiry). */
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(90),
});

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ tokens: await listApiTokens(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, actor, audit }) => {
  const input = await readJsonBody(request, createTokenSchema, 8 * 1024);
  const expiresAt = input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000);
  const token = await createApiToken(prisma, { name: input.name, scopes: input.scopes, expiresAt, createdById: actor.type === 'user' ? actor.id : null });
  await audit('token.create', { type: 'token', id: token.id }, { name: input.name, scopes: input.scopes, expiresAt: expiresAt?.toISOString() ?? null });
  // The only response that ever contains the token value.
  return jsonResponse({ id: token.id, token: token.value, name: input.name, scopes: input.scopes, expiresAt: expiresAt?.toISOString() ?? null }, { status: 201 });
});
