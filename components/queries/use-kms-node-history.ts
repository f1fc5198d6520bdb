'use client';

import { useQuery } from '@tanstack/react-query';
import type { KmsNodeHistory } from '@/lib/observations/history';
import { apiFetch } from '../common/api-client';
import { queryKeys, type HistoryRange } from './keys';

/** Up / latency per KMS node of one provider over 1 h, 24 h, 7 d or 30 d. */
export function useKmsNodeHistory(provider: string, range: HistoryRange) {
  return useQuery({
    queryKey: queryKeys.kmsNodeHistory(provider, range),
    queryFn: () => apiFetch<KmsNodeHistory>(`/api/v1/history/kms-nodes?${new URLSearchParams({ provider, range })}`),
    refetchInterval: range === '1h' ? 30_000 : 300_000,
  });
}
