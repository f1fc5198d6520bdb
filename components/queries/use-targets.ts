'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { OpenstackCloudView } from '@/lib/targets/openstack-store';
import type { KmsProviderView, VcenterView } from '@/lib/targets/store';
import { apiFetch } from '../common/api-client';
import { queryKeys, type TargetKind } from './keys';

export interface TargetViews {
  vcenters: VcenterView;
  'kms-providers': KmsProviderView;
  openstack: OpenstackCloudView;
}

/** The field each list answer carries its rows in. */
const LIST_FIELD = { vcenters: 'vcenters', 'kms-providers': 'kmsProviders', openstack: 'clouds' } as const satisfies Record<TargetKind, string>;

/** The configured vCenters, KMS providers or OpenStack clouds (views without secrets). */
export function useTargets<K extends TargetKind>(kind: K) {
  return useQuery({
    queryKey: queryKeys.targets(kind),
    queryFn: async () => {
      const body = await apiFetch<Record<(typeof LIST_FIELD)[K], TargetViews[K][]>>(`/api/v1/targets/${kind}`);
      return body[LIST_FIELD[kind]];
    },
  });
}
