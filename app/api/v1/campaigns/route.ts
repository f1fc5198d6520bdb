import { withPolicy } from '@/lib/auth/with-policy';
import { createCampaign, listCampaigns } from '@/lib/campaigns/store';
import { storedInventory } from '@/lib/campaigns/stored-inventory';
import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ campaigns: await listCampaigns(prisma) }));

// The store validates the body (CreateCampaignSchema) and audits the creation, refusals included.
export const POST = withPolicy(async (request, _context, { prisma, actor }) => {
  const body = await readJsonBody(request, z.unknown());
  const campaign = await createCampaign(prisma, body, { actor, inventory: storedInventory(prisma) });
  return jsonResponse({ campaign }, { status: 201 });
});
