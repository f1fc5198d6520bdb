/** ContainerView: the objects of some types under a container, as of each read. */
import { defineManagedObject } from './managed-object';

export const containerView = defineManagedObject({
  type: 'ContainerView',
  exists: (ctx, id) => ctx.collector.hasView(id),
  properties: {
    view: (ctx, id) => ctx.collector.viewContents(ctx, id),
    container: (ctx, id) => ctx.collector.view(id).container,
    type: (ctx, id) => ctx.collector.view(id).types,
  },
  boxTypes: { view: 'ArrayOfManagedObjectReference' },
  methods: {
    DestroyView: ({ ctx, id }) => {
      ctx.collector.destroyView(id);
      return undefined;
    },
  },
});
