/**
 * What one poll hands to the store: the raw answers of one vCenter or one KMS provider, before
 * they become rows. Produced by lib/poller, consumed by vcenter-store.ts / kms-store.ts.
 */
import type { KmsNodeProbe } from '../kmip/probe';
import type { CryptoKeyStatus, CryptoManagerKmipClusterStatus } from '../vsphere/schemas';
import type { Estate } from '../vsphere/estate';

export interface VcenterReading {
  estate: Estate;
  /** vCenter's own connection to each KMS server (RetrieveKmipServersStatus); null when that call failed. */
  kmipStatus: CryptoManagerKmipClusterStatus[] | null;
  /** QueryCryptoKeyStatus for every key the estate refers to; null when that call failed. */
  keyStatus: CryptoKeyStatus[] | null;
  /** Sentences for the parts that could not be read (the rest of the reading stands). */
  readErrors: string[];
  /** HTTP requests the whole reading made. */
  requests: number;
}

export interface KmsReading {
  /** One probe per configured node, in the target's node order. */
  nodes: KmsNodeProbe[];
  /** The key ids checked on every node (those the stored estate depends on for this provider). */
  keyIds: string[];
  /** KMIP request messages sent. */
  requests: number;
}
