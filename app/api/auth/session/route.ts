import { getAuthConfig } from '@/lib/auth/config';
import { jsonResponse } from '@/lib/http/response';
import { ROLE_PERMISSIONS } from '@/lib/auth/policy';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

/** Who am I, and which sign-in methods exist (for the sign-in page). */
export const GET = withPolicy(async (_request, _context, { prisma, auth }) => {
  const config = getAuthConfig();
  const needsSetup = (await prisma.user.count({ where: { isDemo: false, disabled: false } })) === 0;
  const methods = { password: true, demo: config.demo, oidc: config.oidc ? { label: config.oidc.label } : null, needsSetup };
  if (auth.kind === 'session') {
    const { user } = auth.session;
    return jsonResponse({ user: { ...user, permissions: ROLE_PERMISSIONS[user.role] }, csrfToken: auth.session.csrfToken, methods });
  }
  if (auth.kind === 'token') return jsonResponse({ token: { name: auth.principal.name, scopes: auth.principal.scopes }, user: null, methods });
  return jsonResponse({ user: null, methods });
});
