import { describeSession } from '@/lib/auth/session-info';
import { withPolicy } from '@/lib/auth/with-policy';
import { jsonResponse } from '@/lib/http/response';

export const dynamic = 'force-dynamic';

/** Who am I, and which sign-in methods exist (for the sign-in page). */
export const GET = withPolicy(async (_request, _context, { prisma, auth }) => jsonResponse(await describeSession(prisma, auth)));
