import { withPolicy } from '@/lib/auth/with-policy';
import { jsonResponse } from '@/lib/http/response';
import { listClusters } from '@/lib/readiness/clusters-view';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ clusters: await listClusters(prisma) }));
