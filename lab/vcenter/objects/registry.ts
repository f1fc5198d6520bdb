/**
 * The lab vCenter's managed-object types, and dispatch through their descriptors: existence,
 * property reads by path (with VI/JSON boxing), ContainerView contents and method calls. Every
 * type the lab serves is listed once, below.
 */
import type { MoRef } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import type { LabSession } from '../sessions';
import { VimFault } from '../vim-fault';
import { clusterComputeResource } from './cluster-compute-resource';
import { containerView } from './container-view';
import { cryptoManagerKmip } from './crypto-manager-kmip';
import { datacenter } from './datacenter';
import { datastore } from './datastore';
import { folder } from './folder';
import { hostSystem } from './host-system';
import { hostVsanSystem } from './host-vsan-system';
import type { ManagedObjectDescriptor, MethodCall } from './managed-object';
import { propertyCollector } from './property-collector';
import { resourcePool } from './resource-pool';
import { serviceInstance } from './service-instance';
import { sessionManager } from './session-manager';
import { task } from './task';
import { viewManager } from './view-manager';
import { virtualMachine } from './virtual-machine';
import { vsanDiskManagementSystem } from './vsan-disk-management-system';
import { cryptoManagerHostKms, vsanClusterConfigSystem } from '../vsan-rekey';

function box(typeName: string, value: unknown): unknown {
  return { _typeName: typeName, _value: value };
}

function hasTypeName(value: unknown): value is { _typeName: string } {
  return typeof value === 'object' && value !== null && '_typeName' in value;
}

export class ObjectRegistry {
  private readonly byType: Map<string, ManagedObjectDescriptor>;

  constructor(descriptors: readonly ManagedObjectDescriptor[]) {
    this.byType = new Map(descriptors.map((d) => [d.type, d]));
  }

  descriptor(type: string): ManagedObjectDescriptor | undefined {
    return this.byType.get(type);
  }

  exists(ctx: LabVcenterContext, type: string, id: string): boolean {
    return this.byType.get(type)?.exists(ctx, id) ?? false;
  }

  /** Paths `PropertySpec.all` stands for. */
  allPaths(type: string): readonly string[] {
    const d = this.byType.get(type);
    if (!d) return ['name'];
    return d.allProperties ?? Object.keys(d.properties);
  }

  /**
   * Value at `path` of an existing object, or undefined when the property is unset. An unknown
   * top-level property is an InvalidProperty fault; below a known one, a field the lab does not
   * set is reported unset (as vCenter does for optional fields). `memo` shares one rendering of a
   * top-level property between several paths of one object (runtime.host, runtime.powerState...).
   */
  read(ctx: LabVcenterContext, type: string, id: string, path: string, session: LabSession | null, memo?: Map<string, unknown>): unknown {
    const [head, ...rest] = path.split('.') as [string, ...string[]];
    let value: unknown;
    if (memo?.has(head)) value = memo.get(head);
    else {
      const d = this.byType.get(type);
      if (!d) throw new VimFault('InvalidArgument', `Managed object type ${type} is not served by the lab vCenter.`, { invalidProperty: 'type' });
      const reader = Object.hasOwn(d.properties, head) ? d.properties[head] : undefined;
      if (!reader) throw VimFault.invalidProperty(type, head);
      value = reader(ctx, id, session);
      memo?.set(head, value);
    }
    for (const part of rest) {
      if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      if (!(part in value)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value === null ? undefined : value;
  }

  /** Box a value found at `type:path` the way VI/JSON puts it in an `any` slot. */
  box(type: string, path: string, value: unknown): unknown {
    const hinted = this.byType.get(type)?.boxTypes?.[path];
    if (Array.isArray(value)) {
      if (hinted) return box(hinted, value);
      const first: unknown = value[0];
      if (hasTypeName(first)) return box(`ArrayOf${first._typeName}`, value);
      if (typeof first === 'number') return box('ArrayOfInt', value);
      if (typeof first === 'string') return box('ArrayOfString', value);
      return box('ArrayOfAnyType', value);
    }
    if (hasTypeName(value)) return value;
    if (hinted) return box(hinted, value);
    if (typeof value === 'boolean') return box('boolean', value);
    if (typeof value === 'number') return box(Number.isInteger(value) ? (Math.abs(value) > 2 ** 31 ? 'long' : 'int') : 'double', value);
    return box('string', value);
  }

  /** Objects of `types` (all when empty) under `container`, in inventory order. */
  contained(ctx: LabVcenterContext, container: MoRef, types: readonly string[], recursive: boolean): MoRef[] {
    if (!this.exists(ctx, container.type, container.value)) throw VimFault.objectNotFound(container);
    const contents = this.byType.get(container.type)?.contents;
    if (!contents) return [];
    const wants = (t: string) => types.length === 0 || types.includes(t);
    return contents(ctx, container.value, { recursive, wants }).filter((ref) => wants(ref.type));
  }

  /** Runs a method of an existing object; a method the type does not have is MethodNotFound. */
  async invoke(call: MethodCall): Promise<unknown> {
    const handler = this.byType.get(call.type)?.methods?.[call.method];
    if (!handler || !Object.hasOwn(this.byType.get(call.type)!.methods!, call.method)) throw VimFault.methodNotFound(call.type, call.id, call.method);
    return handler(call);
  }
}

/** Every managed-object type the lab vCenter serves. */
export const labObjects = new ObjectRegistry([
  serviceInstance,
  sessionManager,
  viewManager,
  containerView,
  propertyCollector,
  task,
  folder,
  datacenter,
  clusterComputeResource,
  resourcePool,
  hostSystem,
  hostVsanSystem,
  virtualMachine,
  datastore,
  cryptoManagerKmip,
  vsanDiskManagementSystem,
  vsanClusterConfigSystem,
  cryptoManagerHostKms,
]);
