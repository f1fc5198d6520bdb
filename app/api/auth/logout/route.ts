import { jsonResponse } from '@/lib/http/response';
import { clearedSessionCookies, deleteSession } from '@/lib/auth/sessions';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, _context, { prisma, auth, audit }) => {
  if (auth.kind === 'session') {
    await deleteSession(prisma, auth.session.sessionId);
    await audit('auth.logout', null);
  }
  const response = jsonResponse({ signedOut: true });
  for (const cookie of clearedSessionCookies(request)) response.headers.append('set-cookie', cookie);
  return response;
});
