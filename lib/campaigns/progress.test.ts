import { describe, expect, it } from 'vitest';
import { indexInventory } from './inventory';
import { countItems, utcHour, etaWindowStart, LOCKED_ON_TARGET_TEXT, observeItem, reconcileItem, summarizeProgress, type ItemRow, type ProgressCounts } from './progress';
import { syntheticSnapshot } from './testing/synthetic-inventory';

const now = new Date('2026-12-10T12:00:00.000Z');

function row(patch: Partial<ItemRow> = {}): ItemRow {
  return { id: 'i1', kind: 'vm-config', entityMoid: 'vm-1', diskKey: null, state: 'pending', currentProviderId: 'nkp', currentKeyId: 'k-old', failureClass: null, ...patch };
}

const onTarget = { found: true, key: { keyId: 'k-new', providerId: 'kms' }, vmCryptoState: 'unlocked' as const, vmConnectionState: 'connected' };
const onSource = { ...onTarget, key: { keyId: 'k-old', providerId: 'nkp' } };

describe('observeItem reads vCenter’s truth per kind', () => {
  const snap = syntheticSnapshot({ clusters: 1, hostsPerCluster: 1, vmsPerHost: 4 });
  const index = indexInventory(snap);
  const multi = snap.vms.find((v) => v.disks.length > 1) ?? snap.vms[0]!;
  it('config, disk by device key, vSAN KEK, host key; missing entities are not found', () => {
    expect(observeItem(index, { kind: 'vm-config', entityMoid: multi.moid, diskKey: null }).key).toEqual(multi.configKey);
    expect(observeItem(index, { kind: 'vm-disk', entityMoid: multi.moid, diskKey: 2000 })).toMatchObject({ found: true, vmCryptoState: 'unlocked' });
    expect(observeItem(index, { kind: 'vm-disk', entityMoid: multi.moid, diskKey: 2999 }).found).toBe(false);
    expect(observeItem(index, { kind: 'vsan-kek', entityMoid: 'domain-c1', diskKey: null }).key?.keyId).toBe('vsan-domain-c1');
    expect(observeItem(index, { kind: 'host-key', entityMoid: 'host-1', diskKey: null }).key?.keyId).toBe('hostkey-host-1');
    expect(observeItem(index, { kind: 'vm-config', entityMoid: 'vm-none', diskKey: null }).found).toBe(false);
  });
});

describe('reconcileItem', () => {
  it('on the target with the VM unlocked and connected → verified, whatever Keywatch recorded', () => {
    for (const state of ['pending', 'rekeyed', 'failed'] as const) {
      const change = reconcileItem(row({ state, failureClass: state === 'failed' ? 'HA_RESET' : null }), onTarget, 'kms', now);
      expect(change).toEqual({ id: 'i1', fromState: state, currentProviderId: 'kms', currentKeyId: 'k-new', transition: { state: 'verified', failureClass: null, errorText: null, verifiedAt: now, failedAt: null } });
    }
    expect(reconcileItem(row({ state: 'verified', currentProviderId: 'kms', currentKeyId: 'k-new' }), onTarget, 'kms', now)).toBeNull();
  });

  it('on the target but locked → failed KEY_INCORRECT; not connected → not verified', () => {
    const locked = reconcileItem(row(), { ...onTarget, vmCryptoState: 'locked' }, 'kms', now);
    expect(locked?.transition).toEqual({ state: 'failed', failureClass: 'KEY_INCORRECT', errorText: LOCKED_ON_TARGET_TEXT, verifiedAt: null, failedAt: now });
    const invalid = reconcileItem(row({ state: 'rekeyed' }), { ...onTarget, vmConnectionState: 'invalid' }, 'kms', now);
    expect(invalid).toMatchObject({ currentProviderId: 'kms', transition: null });
    // A poll that does not read the connection state does not hold verification back.
    expect(reconcileItem(row(), { ...onTarget, vmConnectionState: null }, 'kms', now)?.transition?.state).toBe('verified');
  });

  it('back on the source → a verified or rekeyed item is pending again; failed ones keep their class', () => {
    for (const state of ['verified', 'rekeyed'] as const) {
      const change = reconcileItem(row({ state, currentProviderId: 'kms' }), onSource, 'kms', now);
      expect(change?.transition).toEqual({ state: 'pending', failureClass: null, errorText: null, verifiedAt: null, failedAt: null });
      expect(change?.currentProviderId).toBe('nkp');
    }
    expect(reconcileItem(row({ state: 'failed', failureClass: 'HA_RESET' }), onSource, 'kms', now)).toBeNull();
  });

  it('in-progress items keep their state; missing entities keep everything', () => {
    expect(reconcileItem(row({ state: 'in-progress' }), onTarget, 'kms', now)).toEqual({ id: 'i1', fromState: 'in-progress', currentProviderId: 'kms', currentKeyId: 'k-new', transition: null });
    expect(reconcileItem(row({ state: 'verified' }), { found: false, key: null, vmCryptoState: null, vmConnectionState: null }, 'kms', now)).toBeNull();
  });

  it('vSAN KEKs and host keys need no VM to be verified', () => {
    const change = reconcileItem(row({ kind: 'vsan-kek' }), { found: true, key: { keyId: 'x', providerId: 'kms' }, vmCryptoState: null, vmConnectionState: null }, 'kms', now);
    expect(change?.transition?.state).toBe('verified');
  });
});

describe('summarizeProgress', () => {
  const counts = (patch: Partial<ProgressCounts> = {}): ProgressCounts => ({
    total: 100,
    byState: { verified: 30, pending: 60, failed: 8, 'in-progress': 2 },
    failuresByClass: { HA_RESET: 5, POWERED_ON_UNSUPPORTED: 3 },
    verifiedPerHour: [
      { hour: '2026-12-08T10', count: 10 },
      { hour: '2026-12-10T09', count: 15 },
      { hour: '2026-12-09T23', count: 5 },
    ],
    vms: { total: 60, verified: 18, failed: 5 },
    ...patch,
  });
  const times = { createdAt: new Date('2026-12-07T09:00:00Z'), startedAt: new Date('2026-12-08T00:00:00Z'), finishedAt: null };

  it('% verified, items per day, burndown from the start to today, failures by class', () => {
    const p = summarizeProgress(counts(), times, now);
    expect(p.percentVerified).toBe(30);
    expect(p.remaining).toBe(70);
    expect(p.byState).toEqual({ pending: 60, 'in-progress': 2, rekeyed: 0, verified: 30, failed: 8 });
    expect(p.failuresByClass).toEqual({ KEY_INCORRECT: 0, PROVIDER_NOT_FOUND: 0, POWERED_ON_UNSUPPORTED: 3, HA_RESET: 5, TIMEOUT: 0, OTHER: 0 });
    expect(p.itemsPerDay).toEqual([
      { day: '2026-12-08', verified: 10 },
      { day: '2026-12-09', verified: 5 },
      { day: '2026-12-10', verified: 15 },
    ]);
    expect(p.burndown).toEqual([
      { day: '2026-12-08', remaining: 90 },
      { day: '2026-12-09', remaining: 85 },
      { day: '2026-12-10', remaining: 70 },
    ]);
  });

  it('ETA from the observed rate: 30 items in 2.5 days = 12/day, 70 left → 5.83 days', () => {
    const p = summarizeProgress(counts(), times, now);
    expect(p.ratePerDay).toBe(12);
    expect(Date.parse(p.eta!)).toBeCloseTo(now.getTime() + (70 / 12) * 86_400_000, -3);
  });

  it('the rate window is the last 7 days at most, on an hour boundary', () => {
    const long = { ...times, startedAt: new Date('2026-11-01T00:00:00Z') };
    expect(etaWindowStart(long.startedAt, now)).toEqual(new Date('2026-12-03T12:00:00.000Z'));
    expect(etaWindowStart(new Date('2026-12-10T09:41:00Z'), now)).toEqual(new Date('2026-12-10T09:00:00.000Z'));
    const p = summarizeProgress(
      counts({
        verifiedPerHour: [
          { hour: '2026-12-01T05', count: 100 },
          { hour: '2026-12-03T11', count: 50 },
          { hour: '2026-12-03T12', count: 4 },
          { hour: '2026-12-09T00', count: 10 },
        ],
      }),
      long,
      now,
    );
    expect(p.ratePerDay).toBe(2);
  });

  it('no rate yet: no ETA; not started: no window; all verified: ETA is the finish', () => {
    expect(summarizeProgress(counts({ verifiedPerHour: [] }), times, now).eta).toBeNull();
    expect(summarizeProgress(counts(), { ...times, startedAt: null }, now).ratePerDay).toBeNull();
    const finishedAt = new Date('2026-12-09T18:00:00Z');
    const done = summarizeProgress(counts({ byState: { verified: 100 }, failuresByClass: {} }), { ...times, finishedAt }, now);
    expect(done.percentVerified).toBe(100);
    expect(done.eta).toBe(finishedAt.toISOString());
    expect(done.burndown.at(-1)!.day).toBe('2026-12-09');
  });

  it('items verified before the start (already on the target) start the burndown on their day', () => {
    const p = summarizeProgress(counts({ verifiedPerHour: [{ hour: '2026-12-05T08', count: 4 }] }), times, now);
    expect(p.burndown[0]).toEqual({ day: '2026-12-05', remaining: 96 });
    expect(p.burndown).toHaveLength(6);
  });

  it('an empty campaign is 0 %, not NaN', () => {
    expect(summarizeProgress(counts({ total: 0, byState: {}, verifiedPerHour: [] }), times, now).percentVerified).toBe(0);
  });
});

describe('countItems', () => {
  it('counts states, failure classes, verifications per hour and VMs (done only when every item is)', () => {
    const hour = (iso: string) => utcHour(new Date(iso));
    expect(hour('2026-12-10T09:59:59.999Z')).toBe('2026-12-10T09');
    const counts = countItems([
      { kind: 'vm-config', entityMoid: 'vm-1', state: 'verified', failureClass: null, verifiedHour: hour('2026-12-10T09:15:00Z') },
      { kind: 'vm-disk', entityMoid: 'vm-1', state: 'verified', failureClass: null, verifiedHour: hour('2026-12-10T09:59:59Z') },
      { kind: 'vm-config', entityMoid: 'vm-2', state: 'verified', failureClass: null, verifiedHour: hour('2026-12-10T10:00:00Z') },
      { kind: 'vm-disk', entityMoid: 'vm-2', state: 'failed', failureClass: 'HA_RESET', verifiedHour: null },
      { kind: 'vm-config', entityMoid: 'vm-3', state: 'pending', failureClass: null, verifiedHour: null },
      { kind: 'vsan-kek', entityMoid: 'domain-c1', state: 'failed', failureClass: null, verifiedHour: null },
    ]);
    expect(counts).toEqual({
      total: 6,
      byState: { verified: 3, failed: 2, pending: 1 },
      failuresByClass: { HA_RESET: 1, OTHER: 1 },
      verifiedPerHour: [
        { hour: '2026-12-10T09', count: 2 },
        { hour: '2026-12-10T10', count: 1 },
      ],
      vms: { total: 3, verified: 1, failed: 1 },
    });
  });
});
