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
import { LabFault } from './host-model';
import { boxValue, type VimInventory } from './vim-inventory';

interface ContainerViewState {
  container: MoRef;
  types: string[];
  recursive: boolean;
  sessionKey: string;
}

interface PendingRetrieval {
  items: { obj: MoRef; paths: string[] | 'all' }[];
  offset: number;
  pageSize: number;
  sessionKey: string;
  createdAt: number;
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
const TOKEN_TTL_MS = 10 * 60_000;

/** Properties returned for `all: true`, per type (a practical subset of the real list). */
const ALL_PATHS: Record<string, string[]> = {
  HostSystem: ['name', 'parent', 'runtime', 'vm', 'datastore', 'configManager', 'summary'],
  VirtualMachine: ['name', 'parent', 'runtime', 'config', 'datastore', 'summary', 'guest'],
  ClusterComputeResource: ['name', 'parent', 'host', 'datastore', 'configurationEx'],
  Datastore: ['name', 'parent', 'summary', 'host'],
  HostVsanSystem: ['config'],
  Task: ['info'],
  Datacenter: ['name', 'parent', 'hostFolder', 'vmFolder', 'datastoreFolder', 'datastore'],
  Folder: ['name', 'parent', 'childEntity'],
};

export class PropertyCollector {
  private readonly views = new Map<string, ContainerViewState>();
  private readonly pending = new Map<string, PendingRetrieval>();

  constructor(private readonly inventory: VimInventory) {}

  createContainerView(sessionKey: string, container: MoRef, types: string[], recursive: boolean): MoRef {
    if (!this.inventory.exists(container.type, container.value)) {
      throw new LabFault('ManagedObjectNotFound', `The container ${container.type}:${container.value} does not exist.`, { obj: container });
    }
    const id = `session[${sessionKey}]${randomUUID()}`;
    this.views.set(id, { container, types, recursive, sessionKey });
    return moRef('ContainerView', id);
  }

  destroyView(id: string): void {
    if (!this.views.delete(id)) throw new LabFault('ManagedObjectNotFound', `The view ${id} does not exist.`, { obj: moRef('ContainerView', id) });
  }

  hasView(id: string): boolean {
    return this.views.has(id);
  }

  viewProperty(id: string, property: string): unknown {
    const view = this.views.get(id);
    if (!view) throw new LabFault('ManagedObjectNotFound', `The view ${id} does not exist.`, { obj: moRef('ContainerView', id) });
    if (property === 'view') return this.inventory.contained(view.container, view.types, view.recursive);
    if (property === 'container') return view.container;
    if (property === 'type') return view.types;
    throw new LabFault('InvalidProperty', `Property ${property} is not served for ContainerView.`, { name: property });
  }

  /** Drop a session's views and pending retrievals (logout / expiry). */
  forgetSession(sessionKey: string): void {
    for (const [id, view] of this.views) if (view.sessionKey === sessionKey) this.views.delete(id);
    for (const [token, p] of this.pending) if (p.sessionKey === sessionKey) this.pending.delete(token);
  }

  private objectsOf(spec: PropertyFilterSpec): { obj: MoRef; paths: string[] | 'all' }[] {
    const propByType = new Map<string, string[] | 'all'>();
    for (const prop of spec.propSet) {
      const paths: string[] | 'all' = prop.all ? 'all' : (prop.pathSet ?? []);
      const existing = propByType.get(prop.type);
      if (existing === 'all' || paths === 'all') propByType.set(prop.type, 'all');
      else propByType.set(prop.type, [...new Set([...(existing ?? []), ...paths])]);
    }
    const seen = new Set<string>();
    const out: { obj: MoRef; paths: string[] | 'all' }[] = [];
    const consider = (obj: MoRef) => {
      const key = `${obj.type}:${obj.value}`;
      if (seen.has(key)) return;
      seen.add(key);
      const paths = propByType.get(obj.type);
      if (paths !== undefined) out.push({ obj, paths });
    };
    for (const objectSpec of spec.objectSet) {
      const obj = objectSpec.obj;
      const isView = obj.type === 'ContainerView';
      if (isView) {
        const view = this.views.get(obj.value);
        if (!view) throw new LabFault('ManagedObjectNotFound', `The view ${obj.value} does not exist.`, { obj });
        const traversesView = (objectSpec.selectSet ?? []).some((t) => t.type === 'ContainerView' && t.path === 'view');
        if (traversesView) for (const child of this.inventory.contained(view.container, view.types, view.recursive)) consider(child);
        continue;
      }
      if (!this.inventory.exists(obj.type, obj.value)) {
        if (spec.reportMissingObjectsInResults) continue;
        throw new LabFault('ManagedObjectNotFound', `The object ${obj.type}:${obj.value} has already been deleted or has not been completely created.`, { obj });
      }
      if (!objectSpec.skip) consider(obj);
    }
    return out;
  }

  private contentOf(item: { obj: MoRef; paths: string[] | 'all' }): ObjectContent {
    const paths = item.paths === 'all' ? (ALL_PATHS[item.obj.type] ?? ['name']) : item.paths;
    const propSet: ObjectContent['propSet'] = [];
    const memo = new Map<string, unknown>();
    for (const path of paths) {
      const value = this.inventory.read(item.obj.type, item.obj.value, path, memo);
      if (value === undefined) continue;
      propSet.push({ _typeName: 'DynamicProperty', name: path, val: boxValue(item.obj.type, path, value) });
    }
    return { _typeName: 'ObjectContent', obj: item.obj, propSet };
  }

  private page(retrieval: PendingRetrieval, token: string): RetrieveResult | null {
    const slice = retrieval.items.slice(retrieval.offset, retrieval.offset + retrieval.pageSize);
    retrieval.offset += slice.length;
    const objects = slice.map((item) => this.contentOf(item));
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

  retrievePropertiesEx(sessionKey: string, specSet: PropertyFilterSpec[], maxObjects: number | undefined): RetrieveResult | null {
    this.sweep();
    const items = specSet.flatMap((spec) => this.objectsOf(spec));
    const pageSize = Math.min(MAX_PAGE, maxObjects ?? DEFAULT_PAGE);
    const retrieval: PendingRetrieval = { items, offset: 0, pageSize, sessionKey, createdAt: Date.now() };
    return this.page(retrieval, randomUUID());
  }

  /** A session may only continue or cancel its own retrievals. */
  private pendingOf(sessionKey: string, token: string): PendingRetrieval {
    const retrieval = this.pending.get(token);
    if (!retrieval || retrieval.sessionKey !== sessionKey) {
      throw new LabFault('InvalidArgument', `Token ${token} is not a pending retrieval of this session.`, { invalidProperty: 'token' });
    }
    return retrieval;
  }

  continueRetrievePropertiesEx(sessionKey: string, token: string): RetrieveResult | null {
    return this.page(this.pendingOf(sessionKey, token), token);
  }

  cancelRetrievePropertiesEx(sessionKey: string, token: string): void {
    this.pendingOf(sessionKey, token);
    this.pending.delete(token);
  }

  /** The older RetrieveProperties: everything in one answer. */
  retrieveProperties(specSet: PropertyFilterSpec[]): ObjectContent[] {
    return specSet.flatMap((spec) => this.objectsOf(spec)).map((item) => this.contentOf(item));
  }
}
