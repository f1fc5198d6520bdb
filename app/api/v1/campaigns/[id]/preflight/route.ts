import { withPolicy } from '@/lib/auth/with-policy';
import { CampaignError } from '@/lib/campaigns/errors';
import { loadCampaign, preflightCampaign } from '@/lib/campaigns/store';
import { storedInventory } from '@/lib/campaigns/stored-inventory';
import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';

export const dynamic = 'force-dynamic';

/** Pre-flight risks of the items not yet verified, against the poller's last stored read. */
export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  const row = await loadCampaign(prisma, id);
  const snapshot = await storedInventory(prisma).snapshot(row.vcenterId);
  if (!snapshot) throw new CampaignError('not-found', 404, `vCenter ${row.vcenterId} of campaign ${row.name} is no longer a registered target.`);
  return jsonResponse({ preflight: await preflightCampaign(prisma, id, snapshot), inventoryReadAt: snapshot.readAt });
});
