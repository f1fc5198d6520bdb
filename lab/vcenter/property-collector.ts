/**
 * PropertyCollector of the lab vCenter: RetrievePropertiesEx / ContinueRetrievePropertiesEx /
 * CancelRetrievePropertiesEx / RetrieveProperties over ContainerViews (ViewManager) or explicit
 * objects. The matching object list is computed once (references only) and materialised page
 * by page, so a 40,000-VM read costs memory per page, not per estate.
 */
import { randomUUID } from 'node:crypto';
import {
  moRef,
  type MoRef,
  type ObjectContent,
  type PropertyFilterSpec,
  type RetrieveResult,
} from '@/lib/vsphere/schemas';
import type { LabVcenterContext } from './context';
import type { LabSession } from './sessions';
import { VimFault } from './vim-fault';

export interface ContainerViewState {
  container: MoRef;
  types: string[];
  recursive: boolean;
  sessionKey: string;
}

interface RetrievalItem {
  obj: MoRef;
  paths: string[] | 'all';
  /**
   * An object gone by the time its page is built (unregistered between pages) is left out when it
   * came through a view or its filter reports missing objects; otherwise it is ManagedObjectNotFound.
   */
  omitIfMissing: boolean;
}

interface PendingRetrieval {
  items: RetrievalItem[];
  offset: number;
  pageSize: number;
  sessionKey: string;
  createdAt: number;
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
const TOKEN_TTL_MS = 10 * 60_000;

export class PropertyCollector {
  private readonly views = new Map<string, ContainerViewState>();
  private readonly pending = new Map<string, PendingRetrieval>();

  createContainerView(ctx: LabVcenterContext, sessionKey: string, container: MoRef, types: string[], recursive: boolean): MoRef {
    if (!ctx.objects.exists(ctx, container.type, container.value)) throw VimFault.objectNotFound(container);
    const id = `session[${sessionKey}]${randomUUID()}`;
    this.views.set(id, { container, types, recursive, sessionKey });
    return moRef('ContainerView', id);
  }

  destroyView(id: string): void {
    if (!this.views.delete(id)) throw VimFault.objectNotFound(moRef('ContainerView', id));
  }

  hasView(id: string): boolean {
    return this.views.has(id);
  }

  view(id: string): ContainerViewState {
    const view = this.views.get(id);
    if (!view) throw VimFault.objectNotFound(moRef('ContainerView', id));
    return view;
  }

  /** The objects a view holds now. */
  viewContents(ctx: LabVcenterContext, id: string): MoRef[] {
    const view = this.view(id);
    return ctx.objects.contained(ctx, view.container, view.types, view.recursive);
  }

  /** Drop a session's views and pending retrievals (logout / expiry). */
  forgetSession(sessionKey: string): void {
    for (const [id, view] of this.views) if (view.sessionKey === sessionKey) this.views.delete(id);
    for (const [token, p] of this.pending) if (p.sessionKey === sessionKey) this.pending.delete(token);
  }

  private objectsOf(ctx: LabVcenterContext, spec: PropertyFilterSpec): RetrievalItem[] {
    const propByType = new Map<string, string[] | 'all'>();
    for (const prop of spec.propSet) {
      const paths: string[] | 'all' = prop.all ? 'all' : (prop.pathSet ?? []);
      const existing = propByType.get(prop.type);
      if (existing === 'all' || paths === 'all') propByType.set(prop.type, 'all');
      else propByType.set(prop.type, [...new Set([...(existing ?? []), ...paths])]);
    }
    const seen = new Set<string>();
    const out: RetrievalItem[] = [];
    const consider = (obj: MoRef, omitIfMissing: boolean) => {
      const key = `${obj.type}:${obj.value}`;
      if (seen.has(key)) return;
      seen.add(key);
      const paths = propByType.get(obj.type);
      if (paths !== undefined) out.push({ obj, paths, omitIfMissing });
    };
    for (const objectSpec of spec.objectSet) {
      const obj = objectSpec.obj;
      const isView = obj.type === 'ContainerView';
      if (isView) {
        const view = this.view(obj.value);
        const traversesView = (objectSpec.selectSet ?? []).some((t) => t.type === 'ContainerView' && t.path === 'view');
        if (traversesView) for (const child of ctx.objects.contained(ctx, view.container, view.types, view.recursive)) consider(child, true);
        continue;
      }
      if (!ctx.objects.exists(ctx, obj.type, obj.value)) {
        if (spec.reportMissingObjectsInResults) continue;
        throw VimFault.objectNotFound(obj);
      }
      if (!objectSpec.skip) consider(obj, spec.reportMissingObjectsInResults === true);
    }
    return out;
  }

  private contentOf(ctx: LabVcenterContext, session: LabSession, item: RetrievalItem): ObjectContent {
    const { type, value: id } = item.obj;
    const paths = item.paths === 'all' ? ctx.objects.allPaths(type) : item.paths;
    const propSet: ObjectContent['propSet'] = [];
    const memo = new Map<string, unknown>();
    for (const path of paths) {
      const value = ctx.objects.read(ctx, type, id, path, session, memo);
      if (value === undefined) continue;
      propSet.push({ _typeName: 'DynamicProperty', name: path, val: ctx.objects.box(type, path, value) });
    }
    return { _typeName: 'ObjectContent', obj: item.obj, propSet };
  }

  private page(ctx: LabVcenterContext, session: LabSession, retrieval: PendingRetrieval, token: string): RetrieveResult | null {
    const slice = retrieval.items.slice(retrieval.offset, retrieval.offset + retrieval.pageSize);
    retrieval.offset += slice.length;
    const objects = this.contentsOf(ctx, session, slice);
    const more = retrieval.offset < retrieval.items.length;
    if (more) this.pending.set(token, retrieval);
    else this.pending.delete(token);
    if (objects.length === 0 && !more) return null;
    return { _typeName: 'RetrieveResult', objects, ...(more ? { token } : {}) };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) if (now - p.createdAt > TOKEN_TTL_MS) this.pending.delete(token);
  }

  retrievePropertiesEx(ctx: LabVcenterContext, session: LabSession, specSet: PropertyFilterSpec[], maxObjects: number | undefined): RetrieveResult | null {
    this.sweep();
    const items = specSet.flatMap((spec) => this.objectsOf(ctx, spec));
    const pageSize = Math.min(MAX_PAGE, maxObjects ?? DEFAULT_PAGE);
    const retrieval: PendingRetrieval = { items, offset: 0, pageSize, sessionKey: session.key, createdAt: Date.now() };
    return this.page(ctx, session, retrieval, randomUUID());
  }

  /** A session may only continue or cancel its own retrievals. */
  private pendingOf(sessionKey: string, token: string): PendingRetrieval {
    const retrieval = this.pending.get(token);
    if (!retrieval || retrieval.sessionKey !== sessionKey) {
      throw new VimFault('InvalidArgument', `Token ${token} is not a pending retrieval of this session.`, { invalidProperty: 'token' });
    }
    return retrieval;
  }

  continueRetrievePropertiesEx(ctx: LabVcenterContext, session: LabSession, token: string): RetrieveResult | null {
    return this.page(ctx, session, this.pendingOf(session.key, token), token);
  }

  cancelRetrievePropertiesEx(sessionKey: string, token: string): void {
    this.pendingOf(sessionKey, token);
    this.pending.delete(token);
  }

  /** The older RetrieveProperties: everything in one answer. */
  retrieveProperties(ctx: LabVcenterContext, session: LabSession, specSet: PropertyFilterSpec[]): ObjectContent[] {
    return this.contentsOf(ctx, session, specSet.flatMap((spec) => this.objectsOf(ctx, spec)));
  }

  private contentsOf(ctx: LabVcenterContext, session: LabSession, items: readonly RetrievalItem[]): ObjectContent[] {
    const out: ObjectContent[] = [];
    for (const item of items) {
      if (!ctx.objects.exists(ctx, item.obj.type, item.obj.value)) {
        if (item.omitIfMissing) continue;
        throw VimFault.objectNotFound(item.obj);
      }
      out.push(this.contentOf(ctx, session, item));
    }
    return out;
  }
}
