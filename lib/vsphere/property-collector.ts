/**
 * Batched property reads through PropertyCollector.RetrievePropertiesEx: one request returns the
 * chosen properties of up to `maxObjects` objects, and ContinueRetrievePropertiesEx pages through
 * the rest. This is what keeps a 40,000-VM read at a few dozen requests instead of one per property.
 */
import type { z } from 'zod';
import { VsphereError, shapeError } from './errors';
import {
  MoRefSchema,
  RetrieveResultSchema,
  moRef,
  PROPERTY_SCHEMAS,
  type ManagedType,
  type MoRef,
  type ObjectContent,
  type ObjectSpec,
  type PropertySchemas,
  type RetrieveResult,
} from './schemas';
import type { VimApi } from './vim';

export type PropValues<T extends ManagedType> = {
  -readonly [K in keyof PropertySchemas[T]]?: PropertySchemas[T][K] extends z.ZodType ? z.output<PropertySchemas[T][K]> : never;
};

export interface CollectedObject<T extends ManagedType> {
  ref: MoRef;
  props: PropValues<T>;
  /** Requested paths the server could not read for this object (MissingProperty). */
  missing: string[];
}

export type PropertyPath<T extends ManagedType> = keyof PropertySchemas[T] & string;

/**
 * Validates each DynamicProperty of `oc` with the schema for its path. A bad value is a shape
 * error naming the object, the property and the JSON path inside the page.
 */
export function decodeObjectContent<T extends ManagedType>(
  type: T,
  oc: ObjectContent,
  ctx: { vcenter: string; call: string; basePath: string },
): CollectedObject<T> {
  const schemas = PROPERTY_SCHEMAS[type] as Record<string, z.ZodType>;
  const props: Record<string, unknown> = {};
  const list = oc.propSet ?? [];
  for (let j = 0; j < list.length; j++) {
    const dp = list[j]!;
    const schema = schemas[dp.name];
    if (!schema) continue;
    const parsed = schema.safeParse(dp.val);
    if (!parsed.success) {
      const err = shapeError({ vcenter: ctx.vcenter, call: ctx.call }, dp.val, parsed.error, {
        basePath: `${ctx.basePath}.propSet[${j}].val`,
      });
      throw new VsphereError({
        kind: 'shape',
        vcenter: err.vcenter,
        call: err.call,
        cause: `${oc.obj.type} ${oc.obj.value} property ${dp.name}: ${err.causeText}`,
        jsonPath: err.jsonPath,
        field: err.field ?? dp.name,
      });
    }
    props[dp.name] = parsed.data;
  }
  return { ref: oc.obj, props: props as PropValues<T>, missing: (oc.missingSet ?? []).map((m) => m.path) };
}

export interface CollectOptions {
  /** Objects per page (RetrieveOptions.maxObjects). */
  pageSize?: number;
}

export class PropertyCollectorReader {
  /** RetrievePropertiesEx / Continue calls made, for benchmarks. */
  pages = 0;

  constructor(private readonly vim: VimApi) {}

  private async collector(): Promise<MoRef> {
    return (await this.vim.content()).propertyCollector;
  }

  private async *pagesOf(
    specObjects: ObjectSpec[],
    type: string,
    paths: readonly string[],
    pageSize: number,
    reportMissingObjectsInResults = false,
  ): AsyncGenerator<{ result: RetrieveResult; call: string }> {
    const pc = await this.collector();
    const body = {
      specSet: [
        {
          _typeName: 'PropertyFilterSpec',
          propSet: [{ _typeName: 'PropertySpec', type, pathSet: [...paths] }],
          objectSet: specObjects,
          ...(reportMissingObjectsInResults ? { reportMissingObjectsInResults: true } : {}),
        },
      ],
      options: { _typeName: 'RetrieveOptions', maxObjects: pageSize },
    };
    this.pages += 1;
    const first = await this.vim.invoke(pc, 'RetrievePropertiesEx', body, RetrieveResultSchema.optional().nullable(), { allowEmpty: true });
    let current: { result: RetrieveResult; call: string } | null = first ? { result: first, call: this.vim.callLabel(pc, 'RetrievePropertiesEx') } : null;
    let pending: Promise<{ result: RetrieveResult; call: string } | null> | null = null;
    try {
      while (current) {
        // Ask for the next page before the caller decodes this one, so the server builds page
        // N+1 while the client is busy with page N.
        const token = current.result.token;
        pending = token ? this.continuePage(pc, token) : null;
        pending?.catch(() => undefined);
        yield current;
        current = pending ? await pending : null;
        pending = null;
      }
    } finally {
      // The caller stopped early: release the server-side rest of the result set.
      if (pending) {
        const rest = await pending.catch(() => null);
        if (rest?.result.token) {
          await this.vim
            .invoke(pc, 'CancelRetrievePropertiesEx', { token: rest.result.token }, RetrieveResultSchema.optional().nullable(), { allowEmpty: true })
            .catch(() => undefined);
        }
      }
    }
  }

  private async continuePage(pc: MoRef, token: string): Promise<{ result: RetrieveResult; call: string } | null> {
    this.pages += 1;
    const result = await this.vim.invoke(pc, 'ContinueRetrievePropertiesEx', { token }, RetrieveResultSchema.optional().nullable(), { allowEmpty: true });
    return result ? { result, call: this.vim.callLabel(pc, 'ContinueRetrievePropertiesEx') } : null;
  }

  private async *decodePages<T extends ManagedType>(
    type: T,
    pages: AsyncGenerator<{ result: RetrieveResult; call: string }>,
  ): AsyncGenerator<CollectedObject<T>[]> {
    for await (const { result, call } of pages) {
      const out: CollectedObject<T>[] = [];
      for (let i = 0; i < result.objects.length; i++) {
        const oc = result.objects[i]!;
        if (oc.obj.type !== type) continue;
        out.push(decodeObjectContent(type, oc, { vcenter: this.vim.vcenter, call, basePath: `$.objects[${i}]` }));
      }
      yield out;
    }
  }

  /**
   * Every object of `type` under the root folder, page by page, through a ContainerView that is
   * destroyed afterwards.
   */
  async *all<T extends ManagedType>(type: T, paths: readonly PropertyPath<T>[], opts: CollectOptions = {}): AsyncGenerator<CollectedObject<T>[]> {
    const viewManager = await this.vim.serviceRef('viewManager');
    const { rootFolder } = await this.vim.content();
    const view = await this.vim.invoke(viewManager, 'CreateContainerView', { container: rootFolder, type: [type], recursive: true }, MoRefSchema);
    try {
      const spec: ObjectSpec = {
        _typeName: 'ObjectSpec',
        obj: view,
        skip: true,
        selectSet: [{ _typeName: 'TraversalSpec', name: 'traverseView', type: 'ContainerView', path: 'view', skip: false }],
      };
      yield* this.decodePages(type, this.pagesOf([spec], type, paths, opts.pageSize ?? 1000));
    } finally {
      await this.vim.invoke(view, 'DestroyView', {}, MoRefSchema.optional().nullable(), { allowEmpty: true }).catch(() => undefined);
    }
  }

  /**
   * Chosen objects (by id) in one filter; ids of another type are the caller's mistake. Ids vCenter
   * does not know (any more) are left out instead of failing the read (reportMissingObjectsInResults),
   * so a host or VM removed between two reads costs nothing but its absence.
   */
  async *objects<T extends ManagedType>(type: T, ids: readonly string[], paths: readonly PropertyPath<T>[], opts: CollectOptions = {}): AsyncGenerator<CollectedObject<T>[]> {
    if (ids.length === 0) return;
    const specs: ObjectSpec[] = ids.map((id) => ({ _typeName: 'ObjectSpec', obj: moRef(type, id) }));
    yield* this.decodePages(type, this.pagesOf(specs, type, paths, opts.pageSize ?? 1000, true));
  }

  /** Convenience: all pages of `all()` in one array. */
  async collectAll<T extends ManagedType>(type: T, paths: readonly PropertyPath<T>[], opts: CollectOptions = {}): Promise<CollectedObject<T>[]> {
    const out: CollectedObject<T>[] = [];
    for await (const page of this.all(type, paths, opts)) out.push(...page);
    return out;
  }

  async collectObjects<T extends ManagedType>(
    type: T,
    ids: readonly string[],
    paths: readonly PropertyPath<T>[],
    opts: CollectOptions = {},
  ): Promise<CollectedObject<T>[]> {
    const out: CollectedObject<T>[] = [];
    for await (const page of this.objects(type, ids, paths, opts)) out.push(...page);
    return out;
  }
}
