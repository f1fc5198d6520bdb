import { describe, expect, it } from 'vitest';
import { itemUpdatesFromVerdict } from './executor';
import type { ItemRecord } from './executor-store';
import { remediationUpdates } from './remediation';
import type { LiveVm } from './vcenter';
import { verifyVm, vmFullyOnTarget } from './verify';

const kms = (id: string) => ({ keyId: id, providerId: 'kms' });
const nkp = (id: string) => ({ keyId: id, providerId: 'nkp' });
const live = (patch: Partial<LiveVm> = {}): LiveVm => ({
  moid: 'vm-1',
  name: 'vm-00001',
  hostMoid: 'host-1',
  powerState: 'poweredOn',
  cryptoState: 'unlocked',
  connectionState: 'connected',
  configKey: kms('new'),
  disks: [
    { key: 2000, label: 'Hard disk 1', keyId: kms('new') },
    { key: 2001, label: 'Hard disk 2', keyId: kms('new') },
  ],
  ...patch,
});
const items = [
  { id: 'c', kind: 'vm-config', diskKey: null, diskLabel: null },
  { id: 'd0', kind: 'vm-disk', diskKey: 2000, diskLabel: 'Hard disk 1' },
  { id: 'd1', kind: 'vm-disk', diskKey: 2001, diskLabel: 'Hard disk 2' },
];
const records = items.map((i) => ({ ...i, failureClass: null }) as unknown as ItemRecord);

describe('verifyVm', () => {
  it('passes when the configuration and every disk are on the target, unlocked and connected', () => {
    expect(verifyVm(live(), items, 'kms')).toMatchObject({ ok: true, vmHealthy: true, locked: false, problems: [] });
    expect(vmFullyOnTarget(live(), 'kms')).toBe(true);
  });

  it('names each problem: a disk on the source, a removed disk, locked, not connected', () => {
    const vm = live({ cryptoState: 'locked', connectionState: 'invalid', disks: [{ key: 2000, label: 'Hard disk 1', keyId: nkp('old') }] });
    const verdict = verifyVm(vm, items, 'kms');
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([
      'Hard disk 1 (device 2000) is on provider nkp, not kms',
      'Hard disk 2 (device 2001) is no longer on the VM',
      'the VM is locked (runtime.cryptoState locked)',
      'runtime.connectionState is invalid',
    ]);
    expect(verdict.items.map((c) => [c.id, c.onTarget, c.present])).toEqual([
      ['c', true, true],
      ['d0', false, true],
      ['d1', false, false],
    ]);
    expect(vmFullyOnTarget(vm, 'kms')).toBe(false);
  });

  it('after a rekey: all verified, or all failed with the class the verdict implies', () => {
    expect(itemUpdatesFromVerdict(records, live(), 'kms', null).updates.map((u) => u.state)).toEqual(['verified', 'verified', 'verified']);
    const locked = itemUpdatesFromVerdict(records, live({ cryptoState: 'locked' }), 'kms', null);
    expect(locked.ok).toBe(false);
    expect(locked.updates.every((u) => u.state === 'failed' && u.failureClass === 'KEY_INCORRECT')).toBe(true);
    const partial = itemUpdatesFromVerdict(records, live({ disks: [{ key: 2000, label: 'Hard disk 1', keyId: kms('n') }, { key: 2001, label: 'Hard disk 2', keyId: nkp('o') }] }), 'kms', null);
    expect(partial.updates.map((u) => [u.state, u.failureClass, u.currentProviderId])).toEqual([
      ['failed', 'OTHER', 'kms'],
      ['failed', 'OTHER', 'kms'],
      ['failed', 'OTHER', 'nkp'],
    ]);
    expect(partial.updates[0]!.errorText).toBe('Verification after the rekey failed: Hard disk 2 (device 2001) is on provider nkp, not kms.');
  });

  it('after a remediation: on target → verified, healthy VM but still on the source → pending (retry), unhealthy → failed', () => {
    const half = live({ configKey: kms('n'), disks: [{ key: 2000, label: 'Hard disk 1', keyId: kms('n') }, { key: 2001, label: 'Hard disk 2', keyId: nkp('o') }] });
    expect(remediationUpdates(records, half, 'kms', 'reload').updates.map((u) => u.state)).toEqual(['verified', 'verified', 'pending']);
    const stillLocked = remediationUpdates(records, { ...half, cryptoState: 'locked' }, 'kms', 'reload');
    expect(stillLocked.updates.every((u) => u.state === 'failed' && u.failureClass === 'KEY_INCORRECT')).toBe(true);
    expect(stillLocked.updates[0]!.errorText).toMatch(/^Still failing after reload: .*the VM is locked/);
  });
});
