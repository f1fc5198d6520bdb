'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { BlastRadiusView } from '@/lib/blast-radius/blast-radius';
import { apiFetch } from '../common/api-client';
import { queryKeys, type BlastRadiusScenario } from './keys';

export function blastRadiusSearch(scenario: BlastRadiusScenario): URLSearchParams {
  const params = new URLSearchParams();
  if (scenario.nodes.length > 0) params.set('nodes', scenario.nodes.join(','));
  if (scenario.provider) params.set('provider', scenario.provider);
  if (scenario.host) params.set('host', scenario.host);
  return params;
}

/** Dependents and the what-if outcome for one scenario, from stored data; refreshed every 30 s. */
export function useBlastRadius(scenario: BlastRadiusScenario) {
  return useQuery({
    queryKey: queryKeys.blastRadius(scenario),
    queryFn: () => apiFetch<BlastRadiusView>(`/api/v1/blast-radius?${blastRadiusSearch(scenario)}`),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}
