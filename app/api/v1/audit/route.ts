import { auditQuerySchema, listAuditEvents } from '@/lib/audit/query';
import { jsonResponse, readQuery } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (request, _context, { prisma }) => jsonResponse(await listAuditEvents(prisma, readQuery(request, auditQuerySchema))));
