/**
 * What vCenter would refuse anyway, said before anything is sent: a reboot outside maintenance mode
 * (RebootHost_Task with force=false fails with InvalidState, and Keywatch never forces one — a forced
 * reboot takes the VMs down with the host), entering maintenance twice, leaving it when not in it.
 * Pure and browser-safe: the host page disables the button with the same sentence the API answers.
 */
import type { HostAction } from './input';

export interface HostState {
  connectionState: string;
  inMaintenanceMode: boolean;
}

/** Why `action` is impossible in this state (one sentence), or null when it is possible. */
export function stateConflict(action: HostAction, hostName: string, state: HostState | null): string | null {
  if (!state) return `The state of ${hostName} could not be read, so Keywatch cannot tell whether ${action} is possible.`;
  if (action === 'reboot' && !state.inMaintenanceMode) {
    return `${hostName} is not in maintenance mode: enter maintenance mode first (its VMs move away and vSAN keeps its data accessible); vCenter refuses a reboot outside maintenance mode unless forced, and Keywatch never forces one.`;
  }
  if (action === 'enter-maintenance' && state.inMaintenanceMode) return `${hostName} is already in maintenance mode.`;
  if (action === 'exit-maintenance' && !state.inMaintenanceMode) return `${hostName} is not in maintenance mode.`;
  return null;
}
