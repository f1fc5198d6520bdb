/** Everything the lab vCenter's route modules and managed objects share. */
import type { FaultContext, VcenterFaultState } from './fault-injection';
import type { LabModel } from './host-model';
import type { KeyProviderView } from './key-providers';
import type { KeySource } from './key-sources/key-source';
import type { KmsNodeAddress } from './kms-reachability';
import type { ObjectRegistry } from './objects/registry';
import type { PropertyCollector } from './property-collector';
import type { SessionStore } from './sessions';
import type { TaskManager } from './tasks';

/** API releases the lab answers to, newest first (hello negotiation and /sdk/vim25/{release}). */
export const SUPPORTED_RELEASES = ['8.0.3.0', '8.0.2.0', '8.0.1.0'] as const;

export interface LabVcenterContext {
  model: LabModel;
  /** The managed-object types VI/JSON serves. */
  objects: ObjectRegistry;
  collector: PropertyCollector;
  tasks: TaskManager;
  providers: KeyProviderView;
  sessions: SessionStore;
  keySource: KeySource;
  vcenterFaults: VcenterFaultState;
  faultContext: FaultContext;
  instanceUuid: string;
  /** Registered address of the KMS node a KMS appliance VM runs (its guest IP and annotation). */
  kmsNode(index: number): KmsNodeAddress | undefined;
  /** Ground truth for GET /lab/state. */
  labState(includeVms: boolean): Promise<unknown>;
}
