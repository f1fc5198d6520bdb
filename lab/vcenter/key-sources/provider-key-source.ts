/**
 * Routes each key provider to its key source: NKP keys are vCenter's own (in memory), standard
 * providers' keys come from their KMS; a provider without its own source uses the fallback.
 */
import type { KeyFetchRequest, KeySource } from './key-source';

export class ProviderKeySource implements KeySource {
  constructor(
    private readonly byProvider: Map<string, KeySource>,
    private readonly fallback: KeySource,
  ) {}

  private sourceFor(providerId: string): KeySource {
    return this.byProvider.get(providerId) ?? this.fallback;
  }

  fetchKeys(request: KeyFetchRequest) {
    return this.sourceFor(request.providerId).fetchKeys(request);
  }

  createKey(providerId: string, name: string) {
    return this.sourceFor(providerId).createKey(providerId, name);
  }

  keyState(providerId: string, keyId: string) {
    return this.sourceFor(providerId).keyState(providerId, keyId);
  }

  revokeKey(providerId: string, keyId: string) {
    return this.sourceFor(providerId).revokeKey(providerId, keyId);
  }
}
