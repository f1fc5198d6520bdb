import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getAlert } from '@/lib/alerts/query';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ alert: await getAlert(prisma, id) });
});
