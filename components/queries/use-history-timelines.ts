'use client';

import { useQuery } from '@tanstack/react-query';
import type { CertificateExpiry, HostAlertTimeline } from '@/lib/overview/timelines';
import { apiFetch } from '../common/api-client';
import { queryKeys, type HistoryRange } from './keys';

/** Expiry of every KMS server and client certificate, refreshed every 5 min. */
export function useCertificateTimeline() {
  return useQuery({
    queryKey: queryKeys.certificateTimeline(),
    queryFn: () => apiFetch<{ certificates: CertificateExpiry[] }>('/api/v1/history/certificates'),
    refetchInterval: 300_000,
  });
}

/** One host's alerts as intervals over the range; idle until a host is named. */
export function useHostAlertTimeline(host: string, range: HistoryRange) {
  return useQuery({
    queryKey: queryKeys.hostAlertTimeline(host, range),
    queryFn: () => apiFetch<HostAlertTimeline>(`/api/v1/history/host-alerts?${new URLSearchParams({ host, range })}`),
    enabled: host.length > 0,
    refetchInterval: 60_000,
  });
}
