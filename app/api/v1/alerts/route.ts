import { readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { alertsQuerySchema, listAlerts } from '@/lib/alerts/query';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => jsonResponse(await listAlerts(prisma, readQuery(request, alertsQuerySchema))));
