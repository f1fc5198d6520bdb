import type { PrismaClient } from '../db/client';
import type { Authentication } from './authenticate';
import { getAuthConfig } from './config';
import { ROLE_PERMISSIONS } from './policy';

/**
 * Who is calling and which sign-in methods exist: the answer of GET /api/auth/session, and what the
 * dashboard layout puts in the browser's query cache so the first render already knows the user.
 */
export async function describeSession(prisma: PrismaClient, auth: Authentication) {
  const config = getAuthConfig();
  const needsSetup = (await prisma.user.count({ where: { isDemo: false, disabled: false } })) === 0;
  const methods = { password: true, demo: config.demo, oidc: config.oidc ? { label: config.oidc.label } : null, needsSetup };
  if (auth.kind === 'session') {
    const { user } = auth.session;
    return { user: { ...user, permissions: ROLE_PERMISSIONS[user.role] }, csrfToken: auth.session.csrfToken, methods };
  }
  if (auth.kind === 'token') return { token: { name: auth.principal.name, scopes: auth.principal.scopes }, user: null, methods };
  return { user: null, methods };
}

export type SessionInfo = Awaited<ReturnType<typeof describeSession>>;
