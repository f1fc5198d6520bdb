/** Everything the lab vCenter's route modules share. */
import type { FaultContext, VcenterFaultState } from './faults';
import type { LabModel } from './host-model';
import type { KeyProviderView } from './key-providers';
import type { KeySource } from './key-source';
import type { PropertyCollector } from './property-collector';
import type { SessionStore } from './sessions';
import type { TaskManager } from './tasks';
import type { VimInventory } from './vim-inventory';

/** API releases the lab answers to, newest first (hello negotiation and /sdk/vim25/{release}). */
export const SUPPORTED_RELEASES = ['8.0.3.0', '8.0.2.0', '8.0.1.0'] as const;

export interface LabVcenterContext {
  model: LabModel;
  inventory: VimInventory;
  collector: PropertyCollector;
  tasks: TaskManager;
  providers: KeyProviderView;
  sessions: SessionStore;
  keySource: KeySource;
  vcenterFaults: VcenterFaultState;
  faultContext: FaultContext;
  instanceUuid: string;
  /** Ground truth for GET /lab/state. */
  labState(includeVms: boolean): Promise<unknown>;
}
