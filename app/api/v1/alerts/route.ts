import { jsonResponse, readQuery } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { alertsQuerySchema, listAlerts } from '@/lib/alerts/query';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => jsonResponse(await listAlerts(prisma, readQuery(request, alertsQuerySchema))));
