/** CryptoManagerKmip: registered key providers, their status (as a task), key status, GenerateKey. */
import {
  GenerateKeyRequestSchema,
  ListKmipServersRequestSchema,
  moRef,
  QueryCryptoKeyStatusRequestSchema,
  RetrieveKmipServersStatusRequestSchema,
} from '@/lib/vsphere/schemas';
import { cryptoKeyId } from '../crypto-key-id';
import { VimFault } from '../vim-fault';
import { defineManagedObject, entityTask, parseBody } from './managed-object';

export const CRYPTO_MANAGER = 'CryptoManager';

/**
 * The provider-details-error fault on the VI/JSON side: vCenter's KMS status and key status calls
 * fail with a SystemError, as a vCenter whose crypto service cannot talk to its KMS answers.
 */
function failIfProviderDetailsBroken(ctx: { vcenterFaults: { providerDetailsError: boolean } }, what: string): void {
  if (ctx.vcenterFaults.providerDetailsError) throw new VimFault('SystemError', `A general system error occurred: cannot ${what}: the KMS provider service returned an internal error.`);
}

export const cryptoManagerKmip = defineManagedObject({
  type: 'CryptoManagerKmip',
  exists: (_ctx, id) => id === CRYPTO_MANAGER,
  properties: {},
  methods: {
    ListKmipServers: (call) => {
      const body = parseBody(call, ListKmipServersRequestSchema);
      const clusters = call.ctx.providers.kmipClusters();
      return body.limit !== undefined ? clusters.slice(0, body.limit) : clusters;
    },
    RetrieveKmipServersStatus_Task: (call) => {
      const body = parseBody(call, RetrieveKmipServersStatusRequestSchema);
      const ids = body.clusters.map((c) => c.clusterId.id);
      return entityTask(call, moRef('CryptoManagerKmip', CRYPTO_MANAGER), {
        descriptionId: 'CryptoManagerKmip.retrieveKmipServersStatus',
        name: 'RetrieveKmipServersStatus_Task',
        entityName: 'CryptoManager',
        estimateMs: 1500,
        run: async () => {
          failIfProviderDetailsBroken(call.ctx, 'retrieve the status of the KMS servers');
          return { _typeName: 'ArrayOfCryptoManagerKmipClusterStatus', _value: await call.ctx.providers.kmipStatus(ids) };
        },
      });
    },
    QueryCryptoKeyStatus: async (call) => {
      const body = parseBody(call, QueryCryptoKeyStatusRequestSchema);
      failIfProviderDetailsBroken(call.ctx, 'query the status of crypto keys');
      const keys = body.keyIds.map((k) => ({ keyId: k.keyId, ...(k.providerId ? { providerId: k.providerId.id } : {}) }));
      return call.ctx.providers.keyStatus(keys, body.checkKeyBitMap);
    },
    GenerateKey: async (call) => {
      const { ctx } = call;
      const model = ctx.model;
      const body = parseBody(call, GenerateKeyRequestSchema);
      const providerId = body.keyProvider?.id ?? model.estate.options.standardProviderId;
      if (!model.index.providers.get(providerId)) throw new VimFault('NotFound', `The provider '${providerId}' does not exist.`);
      // NKP keys are derived inside vCenter (the in-memory source), standard ones are created on the
      // KMS over KMIP: with the KMS down, GenerateKey fails.
      let keyId: string;
      try {
        keyId = await ctx.keySource.createKey(providerId, 'generated-by-vcenter');
      } catch (error) {
        throw new VimFault('SystemError', `Cannot generate a key on key provider ${providerId}: ${error instanceof Error ? error.message : String(error)}`);
      }
      model.knownKeys.set(keyId, { keyId, providerId });
      return { _typeName: 'CryptoKeyResult', keyId: cryptoKeyId({ keyId, providerId }), success: true };
    },
  },
});
