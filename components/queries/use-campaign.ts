'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { CampaignDetail } from '@/lib/campaigns/store';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** One campaign with its progress (counts, burndown, items per day, ETA), refreshed every 5 s while it runs. */
export function useCampaign(id: string) {
  return useQuery({
    queryKey: queryKeys.campaignDetail(id),
    queryFn: async () => (await apiFetch<{ campaign: CampaignDetail }>(`/api/v1/campaigns/${encodeURIComponent(id)}`)).campaign,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 5_000 : 30_000),
  });
}
