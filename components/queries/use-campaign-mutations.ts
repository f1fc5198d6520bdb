'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { CreateCampaignInput } from '@/lib/campaigns/model';
import type { CampaignDetail } from '@/lib/campaigns/store';
import type { RemediationAction } from '@/lib/campaigns/failure-classes';
import type { RemediationResult } from '@/lib/campaigns/remediation';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** Create a campaign (admin); the list refreshes. */
export function useCreateCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (input: CreateCampaignInput) => (await apiFetch<{ campaign: CampaignDetail }>('/api/v1/campaigns', { method: 'POST', body: input })).campaign,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.campaigns() }),
  });
}

export type CampaignActionName = 'start' | 'pause' | 'resume' | 'retry';

/** start / pause / resume / retry (admin); the campaign and its items refresh. */
export function useCampaignAction(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ action, body }: { action: CampaignActionName; body?: Record<string, unknown> }) =>
      apiFetch<unknown>(`/api/v1/campaigns/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: body ?? {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.campaigns() }),
  });
}

export interface RemediationBody {
  action: RemediationAction;
  vmMoid: string;
  confirmPowerOff?: boolean;
  acceptHistoryLoss?: boolean;
}

/** A one-click remediation of a failed VM (admin), then its verification; the campaign and its items refresh. */
export function useCampaignRemediation(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: RemediationBody) =>
      (await apiFetch<{ result: RemediationResult }>(`/api/v1/campaigns/${encodeURIComponent(id)}/remediate`, { method: 'POST', body })).result,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.campaigns() }),
  });
}
