/** vim25 CryptoKeyId of a lab key (ids only: no key material exists in the lab vCenter). */
import type { CryptoKeyRef } from './host-model';

export function cryptoKeyId(key: CryptoKeyRef) {
  return { _typeName: 'CryptoKeyId', keyId: key.keyId, providerId: { _typeName: 'KeyProviderId', id: key.providerId } };
}
