/** ResourcePool: each cluster's root pool ("Resources"), where RegisterVM_Task places a VM. */
import { moRef } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { byNumericSuffix, defineManagedObject } from './managed-object';

/** domain-c3 → resgroup-3 (vCenter numbers its objects; the lab derives the pool's from its cluster's). */
export function poolIdOf(clusterId: string): string {
  return `resgroup-${clusterId.slice(clusterId.lastIndexOf('c') + 1)}`;
}

/** The cluster owning a pool id, or undefined. */
export function clusterOfPool(ctx: LabVcenterContext, poolId: string): string | undefined {
  return ctx.model.estate.clusters.find((c) => poolIdOf(c.id) === poolId)?.id;
}

export const resourcePool = defineManagedObject({
  type: 'ResourcePool',
  exists: (ctx, id) => clusterOfPool(ctx, id) !== undefined,
  properties: {
    name: () => 'Resources',
    parent: (ctx, id) => moRef('ClusterComputeResource', clusterOfPool(ctx, id)!),
    owner: (ctx, id) => moRef('ClusterComputeResource', clusterOfPool(ctx, id)!),
    vm: (ctx, id) => {
      const cluster = ctx.model.index.clusters.get(clusterOfPool(ctx, id)!)!;
      return cluster.hostIds.flatMap((h) => [...ctx.model.host(h).vmIds]).sort(byNumericSuffix).map((v) => moRef('VirtualMachine', v));
    },
  },
  boxTypes: { vm: 'ArrayOfManagedObjectReference' },
});
