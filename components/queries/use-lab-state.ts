'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { LabStateView } from '@/lib/lab-control/lab-state';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** The lab's ground truth (KMS nodes, hosts, VMs), every 3 s: faults play out over seconds (a reboot). */
export function useLabState() {
  return useQuery({ queryKey: queryKeys.labState(), queryFn: () => apiFetch<LabStateView>('/api/v1/lab/state'), refetchInterval: 3_000 });
}
