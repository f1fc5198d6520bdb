/** The PropertyCollector object; the retrieval engine itself is ../property-collector.ts. */
import { ContinueRetrievePropertiesExRequestSchema, RetrievePropertiesExRequestSchema } from '@/lib/vsphere/schemas';
import { defineManagedObject, parseBody, sessionOf } from './managed-object';

export const PROPERTY_COLLECTOR = 'propertyCollector';

export const propertyCollector = defineManagedObject({
  type: 'PropertyCollector',
  exists: (_ctx, id) => id === PROPERTY_COLLECTOR,
  properties: {},
  methods: {
    RetrievePropertiesEx: (call) => {
      const body = parseBody(call, RetrievePropertiesExRequestSchema);
      return call.ctx.collector.retrievePropertiesEx(call.ctx, sessionOf(call), body.specSet, body.options.maxObjects);
    },
    ContinueRetrievePropertiesEx: (call) => {
      const body = parseBody(call, ContinueRetrievePropertiesExRequestSchema);
      return call.ctx.collector.continueRetrievePropertiesEx(call.ctx, sessionOf(call), body.token);
    },
    CancelRetrievePropertiesEx: (call) => {
      const body = parseBody(call, ContinueRetrievePropertiesExRequestSchema);
      call.ctx.collector.cancelRetrievePropertiesEx(sessionOf(call).key, body.token);
      return undefined;
    },
    RetrieveProperties: (call) => {
      const body = parseBody(call, RetrievePropertiesExRequestSchema.omit({ options: true }));
      return call.ctx.collector.retrieveProperties(call.ctx, sessionOf(call), body.specSet);
    },
  },
});
