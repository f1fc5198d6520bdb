'use client';

import { LoadState } from '@/components/common/LoadState';
import { useOpenstackClouds } from '@/components/queries/use-openstack-clouds';
import { CloudPanel } from './CloudPanel';

export function OpenstackClouds() {
  const query = useOpenstackClouds();
  const clouds = query.data?.clouds ?? [];
  return (
    <LoadState
      loading={query.isPending}
      error={query.error}
      empty={clouds.length === 0}
      emptyText="No OpenStack cloud is configured. An administrator adds one under Settings → Targets."
    >
      {clouds.map((c) => (
        <CloudPanel key={c.id} summary={c} />
      ))}
    </LoadState>
  );
}
