'use client';

import { useQuery } from '@tanstack/react-query';
import type { HealthReport } from '@/lib/health/status';
import { queryKeys } from './keys';

async function fetchHealth(): Promise<HealthReport> {
  const response = await fetch('/api/health', { cache: 'no-store' });
  // 503 still carries a report; only a body we cannot read is an error.
  return (await response.json()) as HealthReport;
}

/** Keywatch's own health (database, worker heartbeat), every 5 s. */
export function useHealth() {
  return useQuery({ queryKey: queryKeys.health(), queryFn: fetchHealth, refetchInterval: 5_000 });
}
