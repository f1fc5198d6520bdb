import { withPolicy } from '@/lib/auth/with-policy';
import { getCampaignDetail, updateExecutorSettings } from '@/lib/campaigns/store';
import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ campaign: await getCampaignDetail(prisma, id) });
});

/** Executor settings (enabled, concurrency, HA override, stop after N, dry run); audited by the store. */
export const PATCH = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const body = await readJsonBody(request, z.unknown());
  return jsonResponse({ campaign: await updateExecutorSettings(prisma, id, body, { actor }) });
});
