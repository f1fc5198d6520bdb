/** ServiceInstance: the entry point, whose content names the singletons (no session needed). */
import { moRef, type ServiceContent } from '@/lib/vsphere/schemas';
import { SUPPORTED_RELEASES, type LabVcenterContext } from '../context';
import { CRYPTO_MANAGER } from './crypto-manager-kmip';
import { ROOT_FOLDER } from './folder';
import { defineManagedObject } from './managed-object';
import { PROPERTY_COLLECTOR } from './property-collector';
import { SESSION_MANAGER } from './session-manager';
import { VIEW_MANAGER } from './view-manager';

export const SERVICE_INSTANCE = 'ServiceInstance';

export function serviceContent(ctx: LabVcenterContext): ServiceContent {
  return {
    _typeName: 'ServiceContent',
    rootFolder: moRef('Folder', ROOT_FOLDER),
    propertyCollector: moRef('PropertyCollector', PROPERTY_COLLECTOR),
    viewManager: moRef('ViewManager', VIEW_MANAGER),
    about: {
      _typeName: 'AboutInfo',
      name: 'VMware vCenter Server',
      fullName: 'VMware vCenter Server 8.0.3 build-24022515 (Keywatch lab)',
      vendor: 'VMware, Inc.',
      version: '8.0.3',
      build: '24022515',
      apiType: 'VirtualCenter',
      apiVersion: SUPPORTED_RELEASES[0],
      instanceUuid: ctx.instanceUuid,
    },
    sessionManager: moRef('SessionManager', SESSION_MANAGER),
    taskManager: moRef('TaskManager', 'TaskManager'),
    cryptoManager: moRef('CryptoManagerKmip', CRYPTO_MANAGER),
  };
}

export const serviceInstance = defineManagedObject({
  type: 'ServiceInstance',
  exists: (_ctx, id) => id === SERVICE_INSTANCE,
  properties: { content: (ctx) => serviceContent(ctx) },
  methods: { RetrieveServiceContent: ({ ctx }) => serviceContent(ctx) },
  anonymous: ['content', 'RetrieveServiceContent'],
});
