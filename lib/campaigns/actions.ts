/**
 * POST /api/v1/campaigns/{id}/{action}: start | pause | resume | retry | remediate. Start, resume
 * and remediate talk to the campaign's vCenter (live provider health check, VM operations), opened
 * from the stored target for this one call. The store audits each action, refusals included.
 */
import type { AuditActor } from '../audit/record';
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { CampaignError } from './errors';
import type { ProviderHealthCheck } from './health-check';
import { openLiveVcenter, type LiveVcenter } from './live-vcenter';
import { remediate } from './remediation';
import { pauseCampaign, resumeCampaign, retryItems, startCampaign } from './store';

export const CAMPAIGN_ACTIONS = ['start', 'pause', 'resume', 'retry', 'remediate'] as const;
export type CampaignAction = (typeof CAMPAIGN_ACTIONS)[number];

const isAction = (value: string): value is CampaignAction => (CAMPAIGN_ACTIONS as readonly string[]).includes(value);

/** A check that never runs: the store refuses an unknown campaign before asking it. */
const noCheck: ProviderHealthCheck = async () => {
  throw new CampaignError('not-found', 404, 'No campaign with that id.');
};

async function withLive<T>(prisma: PrismaClient, box: SecretBox, campaignId: string, job: (live: LiveVcenter | null) => Promise<T>): Promise<T> {
  const row = await prisma.campaign.findUnique({ where: { id: campaignId }, select: { vcenterId: true } });
  if (!row) return job(null);
  const live = await openLiveVcenter(prisma, box, row.vcenterId);
  try {
    return await job(live);
  } finally {
    await live.close().catch(() => undefined);
  }
}

export async function campaignAction(prisma: PrismaClient, box: SecretBox, campaignId: string, action: string, body: unknown, actor: AuditActor): Promise<unknown> {
  if (!isAction(action)) throw new CampaignError('not-found', 404, `Unknown campaign action "${action}"; use one of ${CAMPAIGN_ACTIONS.join(', ')}.`);
  switch (action) {
    case 'start':
      return { campaign: await withLive(prisma, box, campaignId, (live) => startCampaign(prisma, campaignId, { actor, healthCheck: live?.healthCheck ?? noCheck })) };
    case 'resume':
      return { campaign: await withLive(prisma, box, campaignId, (live) => resumeCampaign(prisma, campaignId, { actor, healthCheck: live?.healthCheck ?? noCheck })) };
    case 'pause':
      return { campaign: await pauseCampaign(prisma, campaignId, { actor }) };
    case 'retry':
      return retryItems(prisma, campaignId, body, { actor });
    case 'remediate':
      return {
        result: await withLive(prisma, box, campaignId, (live) => {
          if (!live) throw new CampaignError('not-found', 404, 'No campaign with that id.');
          return remediate({ prisma, vcenter: live.vcenter, healthCheck: live.healthCheck }, campaignId, body, actor);
        }),
      };
  }
}
