'use client';

import { useQuery } from '@tanstack/react-query';
import type { KeyProviderSummaryView } from '@/lib/observations/key-providers-view';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** Every key provider with its KMS nodes, refreshed every 15 s. */
export function useKeyProviders() {
  return useQuery({ queryKey: queryKeys.keyProviders(), queryFn: () => apiFetch<{ keyProviders: KeyProviderSummaryView[] }>('/api/v1/key-providers'), refetchInterval: 15_000 });
}
