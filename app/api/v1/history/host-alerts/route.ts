import { readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { hostAlertsQuerySchema, hostAlertTimeline } from '@/lib/overview/timelines';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => jsonResponse(await hostAlertTimeline(prisma, readQuery(request, hostAlertsQuerySchema), new Date())));
