import { withPolicy } from '@/lib/auth/with-policy';
import { buildMetricsRegistry } from '@/lib/metrics/registry';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => {
  const registry = await buildMetricsRegistry(prisma);
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
});
