/**
 * Where lab hosts get their keys from. The host model only knows this interface; the real
 * implementation (kmip-key-source.ts) speaks KMIP to the lab KMS nodes, the Native Key Provider
 * and KMS-less labs use the in-memory one, and provider-key-source.ts routes each provider to its
 * source.
 */

/** Who asks the KMS: ESXi fetches vSAN KEKs and its host key itself; VM KEKs go through vCenter. */
export type KeyFetchPath = 'host' | 'vcenter';

export interface KeyFetchRequest {
  providerId: string;
  keyIds: readonly string[];
  path: KeyFetchPath;
  /** Host on whose behalf the keys are fetched (for logs and per-host isolation). */
  hostId: string;
}

/** Why a key could not be fetched: no node answered, or the nodes that answered do not have it. */
export interface KeyFetchFailure {
  kind: 'unreachable' | 'missing';
  /** One plain sentence. */
  message: string;
}

/** Per key: null when fetched, else why not. */
export type KeyFetchOutcome = Map<string, KeyFetchFailure | null>;

/** A key's life-cycle state as the provider reports it (KMIP State attribute, first node that answers). */
export type KeyStateReport =
  | { state: 'active' }
  | { state: 'not-active'; detail: string }
  | { state: 'missing' | 'unreachable'; detail: string };

export interface KeySource {
  fetchKeys(request: KeyFetchRequest): Promise<KeyFetchOutcome>;
  /** Create a fresh KEK on a standard provider (rekey); resolves to its key ID. */
  createKey(providerId: string, name: string): Promise<string>;
  keyState(providerId: string, keyId: string): Promise<KeyStateReport>;
  /** Lab fault: revoke (deactivate) a key on the provider. */
  revokeKey(providerId: string, keyId: string): Promise<void>;
}
