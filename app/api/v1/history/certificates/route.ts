import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { certificateTimeline } from '@/lib/overview/timelines';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ certificates: await certificateTimeline(prisma, new Date()) }));
