/** ViewManager: creates ContainerViews (kept per session by the PropertyCollector). */
import { CreateContainerViewRequestSchema } from '@/lib/vsphere/schemas';
import { defineManagedObject, parseBody, sessionOf } from './managed-object';

export const VIEW_MANAGER = 'ViewManager';

export const viewManager = defineManagedObject({
  type: 'ViewManager',
  exists: (_ctx, id) => id === VIEW_MANAGER,
  properties: {},
  methods: {
    CreateContainerView: (call) => {
      const body = parseBody(call, CreateContainerViewRequestSchema);
      return call.ctx.collector.createContainerView(call.ctx, sessionOf(call).key, body.container, body.type, body.recursive);
    },
  },
});
