/**
 * What one managed-object type of the lab vCenter is, in one descriptor (as govmomi's simulator
 * keeps one file per managed object): whether an id exists, its properties rendered on demand
 * from the estate and the host model, the boxing type names of its leaves, what a ContainerView
 * on it contains, and its methods. The registry (registry.ts) dispatches VI/JSON calls and
 * PropertyCollector reads through these; adding a type is one file plus one line there.
 */
import type { z } from 'zod';
import { moRef, type MoRef } from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from '../context';
import { BadRequest, parseJsonBody } from '../http';
import type { LabSession } from '../sessions';
import { VimFault } from '../vim-fault';

/** A rendered top-level property; undefined = unset (left out of propSet). */
export type PropertyReader = (ctx: LabVcenterContext, id: string, session: LabSession | null) => unknown;

/** One invocation of a method: `POST /sdk/vim25/{release}/{type}/{id}/{method}`. */
export interface MethodCall {
  ctx: LabVcenterContext;
  /** null only for methods the descriptor lists as anonymous (Login, RetrieveServiceContent). */
  session: LabSession | null;
  type: string;
  id: string;
  method: string;
  bodyText: string;
}

/** A method answer that also sets response headers (Login's session id). */
export class AnswerWithHeaders {
  constructor(
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {}
}

/** Resolves to the return value (undefined / null → 204), an AnswerWithHeaders, or throws a VimFault. */
export type MethodHandler = (call: MethodCall) => unknown;

export interface ContentsQuery {
  recursive: boolean;
  /** Whether objects of this type are wanted (so unwanted lists are never built). */
  wants(type: string): boolean;
}

export interface ManagedObjectDescriptor {
  readonly type: string;
  exists(ctx: LabVcenterContext, id: string): boolean;
  readonly properties: Readonly<Record<string, PropertyReader>>;
  /** What `PropertySpec.all` returns (a practical subset of vCenter's); default: every property. */
  readonly allProperties?: readonly string[];
  /**
   * VI/JSON type names for boxing, keyed by property path: enum and non-string leaves
   * (`HostSystemConnectionState`, `long`), and declared array types so an EMPTY array is still
   * boxed as e.g. `ArrayOfManagedObjectReference`.
   */
  readonly boxTypes?: Readonly<Record<string, string>>;
  /** Objects a ContainerView on this object holds, in inventory order (containers only). */
  contents?(ctx: LabVcenterContext, id: string, query: ContentsQuery): MoRef[];
  readonly methods?: Readonly<Record<string, MethodHandler>>;
  /** Members (properties or methods) served without a session. */
  readonly anonymous?: readonly string[];
  /** Served under `/sdk/vim25/{release}/vsan/...` (vSAN management objects). */
  readonly vsan?: boolean;
}

/** Identity function that checks a descriptor literal against the interface. */
export function defineManagedObject<D extends ManagedObjectDescriptor>(descriptor: D): D {
  return descriptor;
}

/** Parses a method's JSON body with its request schema; a mismatch is one sentence naming the field. */
export function parseBody<S extends z.ZodType>(call: MethodCall, schema: S): z.output<S> {
  const parsed = schema.safeParse(parseJsonBody(call.bodyText));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRequest(`${call.type}.${call.method}: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body'}.`);
  }
  return parsed.data;
}

/** The session a method needs (every method not listed as anonymous is only reached with one). */
export function sessionOf(call: MethodCall): LabSession {
  if (!call.session) throw new VimFault('NotAuthenticated', 'The session is not authenticated.', { object: moRef(call.type, call.id) });
  return call.session;
}

/** vCenter can only drive a host it is connected to (not one that is disconnected or not responding). */
export function requireConnectedHost(ctx: LabVcenterContext, hostId: string): void {
  const host = ctx.model.host(hostId);
  if (host.connectionState !== 'connected' || host.phase !== 'up') {
    throw new VimFault('HostNotConnected', `Host ${ctx.model.estateHost(hostId).name} is ${host.connectionState === 'connected' ? 'not ready' : host.connectionState}.`);
  }
}

export interface EntityTaskSpec {
  descriptionId: string;
  /** The method name shown in TaskInfo.name (e.g. RebootHost_Task). */
  name: string;
  estimateMs: number;
  run: () => Promise<unknown>;
  /** Host that must be connected for vCenter to start the task (the entity's host). */
  connectedHost?: string;
  /** TaskInfo.entityName when the entity has no `name` property. */
  entityName?: string;
}

/** Starts a vim25 Task on `entity` for the caller's session and returns the Task reference. */
export function entityTask(call: MethodCall, entity: MoRef, spec: EntityTaskSpec): MoRef {
  if (spec.connectedHost !== undefined) requireConnectedHost(call.ctx, spec.connectedHost);
  const entityName = spec.entityName ?? String(call.ctx.objects.read(call.ctx, entity.type, entity.value, 'name', call.session) ?? entity.value);
  return call.ctx.tasks.start({
    descriptionId: spec.descriptionId,
    name: spec.name,
    entity,
    entityName,
    userName: sessionOf(call).userName,
    estimateMs: spec.estimateMs,
    run: spec.run,
  });
}

/** Inventory order of moIds that share a prefix (vm-9 before vm-10). */
export function byNumericSuffix(a: string, b: string): number {
  const na = Number(a.slice(a.lastIndexOf('-') + 1));
  const nb = Number(b.slice(b.lastIndexOf('-') + 1));
  return na - nb;
}
