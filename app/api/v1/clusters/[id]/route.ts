import { withPolicy } from '@/lib/auth/with-policy';
import { readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { getCluster } from '@/lib/readiness/clusters-view';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, params);
  return jsonResponse(await getCluster(prisma, id));
});
