'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { KmsProviderView, VcenterView } from '@/lib/targets/store';
import { apiFetch } from '../common/api-client';
import { queryKeys, type TargetKind } from './keys';

export interface TargetViews {
  vcenters: VcenterView;
  'kms-providers': KmsProviderView;
}

/** The field each list answer carries its rows in. */
const LIST_FIELD = { vcenters: 'vcenters', 'kms-providers': 'kmsProviders' } as const satisfies Record<TargetKind, string>;

/** The configured vCenters or KMS providers (views without secrets). */
export function useTargets<K extends TargetKind>(kind: K) {
  return useQuery({
    queryKey: queryKeys.targets(kind),
    queryFn: async () => {
      const body = await apiFetch<Record<(typeof LIST_FIELD)[K], TargetViews[K][]>>(`/api/v1/targets/${kind}`);
      return body[LIST_FIELD[kind]];
    },
  });
}
