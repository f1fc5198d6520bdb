import { describe, expect, it } from 'vitest';
import { classifyFailure, REMEDIATION_ACTIONS, WORKAROUNDS } from './failure-classes';
import { FAILURE_CLASSES } from './model';

describe('classifyFailure on the messages of the field report and DESIGN.md', () => {
  const keyIncorrect =
    'DISKLIB-LINK : "/vmfs/volumes/vsan:xxxxxxxxx-5exxxxxxx6/271xxxxxx3-xxac-xx91-xxa0-exxxxxxxx80/TEST-KEVIN-VM-2-lKPs.vmdk" : failed to open (Cannot decrypt disk because key or password is incorrect).';

  it('the vmware.log line alone is KEY_INCORRECT', () => {
    expect(classifyFailure({ message: keyIncorrect })).toBe('KEY_INCORRECT');
    expect(classifyFailure({ message: 'Cannot decrypt disk because key or password is incorrect', faultType: 'GenericVmConfigFault' })).toBe('KEY_INCORRECT');
  });

  it('the same line after HA VM monitoring took a running VM down is HA_RESET', () => {
    const base = { message: 'Cannot decrypt disk because key or password is incorrect', faultType: 'GenericVmConfigFault' };
    expect(classifyFailure({ ...base, haVmMonitoring: true, powerStateBefore: 'poweredOn', powerStateAfter: 'poweredOff' })).toBe('HA_RESET');
    // Monitoring on but the VM stayed up, or was off to begin with: not an HA reset.
    expect(classifyFailure({ ...base, haVmMonitoring: true, powerStateBefore: 'poweredOn', powerStateAfter: 'poweredOn' })).toBe('KEY_INCORRECT');
    expect(classifyFailure({ ...base, haVmMonitoring: true, powerStateBefore: 'poweredOff', powerStateAfter: 'poweredOff' })).toBe('KEY_INCORRECT');
    expect(classifyFailure({ ...base, haVmMonitoring: false, powerStateBefore: 'poweredOn', powerStateAfter: 'poweredOff' })).toBe('KEY_INCORRECT');
  });

  it('an HA reset event text is HA_RESET on its own', () => {
    expect(classifyFailure({ message: 'vm-00012 on esx-01 in cluster-01 in lab-dc reset by vSphere HA. Reason: VMware Tools heartbeat failure' })).toBe('HA_RESET');
  });

  it('hostd.log’s provider not found and vCenter losing the KMS are PROVIDER_NOT_FOUND', () => {
    expect(classifyFailure({ message: "-->    com.vmware.esx.trusted_infrastructure.kms.providers.not_found<The provider 'nom-du-kms-externe' does not exist.>" })).toBe(
      'PROVIDER_NOT_FOUND',
    );
    expect(classifyFailure({ message: "vCenter 127.0.0.1:8443: task task-1042 (VirtualMachine.reconfigure on vm-00003): failed: The provider 'lab-kms' does not exist.", faultType: 'NotFound' })).toBe(
      'PROVIDER_NOT_FOUND',
    );
    expect(classifyFailure({ message: 'A general system error occurred: Shallow rekey of vm-3 failed: No KMS node of lab-kms answered (3 tried).' })).toBe('PROVIDER_NOT_FOUND');
  });

  it('the 70p07 refusal is POWERED_ON_UNSUPPORTED', () => {
    expect(classifyFailure({ message: 'Not support: unable to shallow rekey powered on vm.', faultType: 'NotSupported' })).toBe('POWERED_ON_UNSUPPORTED');
  });

  it('task deadlines and vim25 Timedout are TIMEOUT', () => {
    expect(classifyFailure({ message: 'vCenter vc: task task-9 (VirtualMachine.reconfigure): did not finish within 600 s (still running, 40%).', errorKind: 'task-timeout' })).toBe('TIMEOUT');
    expect(classifyFailure({ message: 'Operation timed out.', faultType: 'Timedout' })).toBe('TIMEOUT');
  });

  it('anything else is OTHER, and the most specific evidence wins', () => {
    expect(classifyFailure({ message: 'The object has already been deleted or has not been completely created.', faultType: 'ManagedObjectNotFound' })).toBe('OTHER');
    expect(classifyFailure({ message: '' })).toBe('OTHER');
    // A timeout of a call that reports the provider missing is still a provider problem.
    expect(classifyFailure({ message: "The provider 'x' does not exist.", errorKind: 'timeout' })).toBe('PROVIDER_NOT_FOUND');
  });
});

describe('workarounds', () => {
  it('every class has a workaround with a cost and known one-click actions', () => {
    for (const cls of FAILURE_CLASSES) {
      const w = WORKAROUNDS[cls];
      expect(w.summary.length).toBeGreaterThan(10);
      expect(w.cost.length).toBeGreaterThan(3);
      expect(w.remediations.length).toBeGreaterThan(0);
      for (const action of w.remediations) expect(REMEDIATION_ACTIONS).toContain(action);
    }
  });

  it('states the costs of the report: reload keeps history, unregister / register loses it, power cycle means downtime', () => {
    expect(WORKAROUNDS.KEY_INCORRECT.remediations[0]).toBe('reload');
    expect(WORKAROUNDS.KEY_INCORRECT.cost).toMatch(/Reload: none/);
    expect(WORKAROUNDS.KEY_INCORRECT.cost).toMatch(/history .* is lost/);
    expect(WORKAROUNDS.HA_RESET.steps.join(' ')).toMatch(/HA VM override/);
    expect(WORKAROUNDS.POWERED_ON_UNSUPPORTED.remediations).toContain('power-cycle');
    expect(WORKAROUNDS.POWERED_ON_UNSUPPORTED.cost).toMatch(/Downtime/);
    expect(WORKAROUNDS.PROVIDER_NOT_FOUND.remediations).toEqual(['retry']);
  });
});
