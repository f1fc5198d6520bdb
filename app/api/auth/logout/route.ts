import { recordAudit } from '@/lib/audit/record';
import { clientIp, jsonResponse } from '@/lib/auth/http';
import { clearedSessionCookies, deleteSession } from '@/lib/auth/sessions';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, _context, { prisma, auth }) => {
  if (auth.kind === 'session') {
    await deleteSession(prisma, auth.session.sessionId);
    await recordAudit(prisma, { actor: { type: 'user', id: auth.principal.id, name: auth.principal.username }, action: 'auth.logout', outcome: 'success', ip: clientIp(request) });
  }
  const response = jsonResponse({ signedOut: true });
  for (const cookie of clearedSessionCookies(request)) response.headers.append('set-cookie', cookie);
  return response;
});
