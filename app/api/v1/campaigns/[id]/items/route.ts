import { withPolicy } from '@/lib/auth/with-policy';
import { listItems } from '@/lib/campaigns/store';
import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';

export const dynamic = 'force-dynamic';

/** ?state=failed&failureClass=&kind=&limit=&after= (validated by the store's ItemQuerySchema). */
export const GET = withPolicy(async (request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  const query = Object.fromEntries(new URL(request.url).searchParams);
  return jsonResponse(await listItems(prisma, id, query));
});
