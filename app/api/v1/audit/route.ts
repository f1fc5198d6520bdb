import { auditQuerySchema, listAuditEvents } from '@/lib/audit/query';
import { readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => jsonResponse(await listAuditEvents(prisma, readQuery(request, auditQuerySchema))));
