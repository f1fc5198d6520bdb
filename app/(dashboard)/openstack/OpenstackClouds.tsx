'use client';

import { LoadState } from '@/components/common/LoadState';
import { useOpenstackClouds } from '@/components/queries/use-openstack-clouds';
import { CloudPanel } from './CloudPanel';

export function OpenstackClouds() {
  const query = useOpenstackClouds();
  const clouds = query.data?.clouds ?? [];
  // aria-busy until the list has answered: screen readers (and the page tests) wait for the content.
  return (
    <div aria-busy={query.isPending || undefined}>
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
    </div>
  );
}
