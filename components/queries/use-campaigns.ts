'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { CampaignSummary } from '@/lib/campaigns/store';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** Every campaign with its headline progress, refreshed every 10 s. */
export function useCampaigns() {
  return useQuery({
    queryKey: queryKeys.campaigns(),
    queryFn: async () => (await apiFetch<{ campaigns: CampaignSummary[] }>('/api/v1/campaigns')).campaigns,
    refetchInterval: 10_000,
  });
}
