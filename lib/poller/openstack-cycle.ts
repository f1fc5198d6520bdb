/**
 * One poll cycle of one OpenStack cloud: read it with lib/openstack (under the poll deadline), fill
 * what the read could not see from what is stored, and commit in the cycle's one transaction the
 * row differences, Barbican's health samples, the cloud's alerts and its poll state. A read that
 * reaches no service at all (Keystone refuses, nothing answers) is a failed cycle and stores
 * nothing; a read with some areas failing is partial and stores what it saw.
 */
import { openstackScope } from '../alerts/catalog';
import { reconcileAlerts } from '../alerts/reconcile';
import { openstackAlertConditions } from '../alerts/rules-openstack';
import { pollOpenStack } from '../openstack/poll';
import type { OpenStackSnapshot } from '../openstack/snapshot';
import { barbicanSamples, buildOpenstackRows, fillOpenstackGaps, loadOpenstackFingerprints, writeOpenstackRows } from '../observations/openstack-store';
import { insertSamples } from '../observations/series';
import { openOpenstackCredentials } from '../targets/openstack-store';
import type { CycleDeps, CycleKit, CycleResult, TargetInfo } from './cycle';
import { describePollFailure, withDeadline } from './failure';
import type { Claim } from './leases';
import { timeoutOf } from './settings';

/** Nothing usable was read: no token, or neither Barbican nor Cinder could be found. */
function unusable(snap: OpenStackSnapshot): string | null {
  if (!snap.token.ok) return snap.errors.find((e) => e.area === 'keystone')?.message ?? 'Keystone gave no token.';
  if (!snap.endpoints.blockStorage && !snap.endpoints.keyManager) return snap.errors.map((e) => e.message).join(' ') || 'Neither Barbican nor Cinder is in the catalog.';
  return null;
}

/**
 * A failed read stores no rows, but what it shows (Keystone refusing us: BARBICAN_AUTH_FAILING)
 * is still an alert; the per-key alerts stay as the stored rows say.
 */
async function failWithAlerts(deps: CycleDeps, claim: Claim, info: TargetInfo, startedAt: Date, kit: CycleKit, snap: OpenStackSnapshot, error: string, requests: number): Promise<CycleResult> {
  const [rows, secrets] = await Promise.all([
    deps.prisma.osRow.findMany({ where: { cloudId: claim.targetId, keyState: 'dangling' } }),
    deps.prisma.osSecret.findMany({ where: { cloudId: claim.targetId, NOT: { anomalies: '[]' } } }),
  ]);
  const conditions = openstackAlertConditions({ cloud: { id: claim.targetId, name: info.name }, snapshot: snap, rows, secrets });
  const failuresAfter = claim.consecutiveFailures + 1;
  const result = await kit.inTransaction(deps, claim, async (tx) => {
    const alerts = await reconcileAlerts(tx, openstackScope(claim.targetId), conditions, deps.now());
    const end = await kit.commitCycleEnd(tx, deps, claim, info, { startedAt, outcome: 'failure', error, requests, rowsWritten: alerts.rowsWritten, stored: false, dataChanged: false, failuresAfter });
    return { rowsWritten: alerts.rowsWritten + end.rowsWritten, opened: alerts.opened.length + end.opened, resolved: alerts.resolved.length + end.resolved };
  });
  return { targetId: claim.targetId, kind: 'openstack', outcome: 'failure', error, rowsWritten: result.rowsWritten, requests, durationMs: deps.now().getTime() - startedAt.getTime(), alertsOpened: result.opened, alertsResolved: result.resolved };
}

export async function openstackCycle(deps: CycleDeps, claim: Claim, info: TargetInfo, startedAt: Date, kit: CycleKit): Promise<CycleResult> {
  const mark = kit.stopwatch();
  let snap: OpenStackSnapshot;
  try {
    const creds = await openOpenstackCredentials(deps.prisma, deps.box, claim.targetId);
    snap = await withDeadline(timeoutOf(deps.settings, 'openstack'), `Reading OpenStack cloud ${info.name}`, () =>
      pollOpenStack({ ...creds, name: info.name }, { logger: deps.logger }),
    );
  } catch (err) {
    return kit.failCycle(deps, claim, info, startedAt, describePollFailure(err, info.name), 0);
  }
  const requests = snap.requests.keystone + snap.requests.barbican + snap.requests.cinder;
  const fatal = unusable(snap);
  if (fatal) return failWithAlerts(deps, claim, info, startedAt, kit, snap, `OpenStack cloud ${info.name}: ${fatal}`, requests);
  const read = mark();
  const stored = await loadOpenstackFingerprints(deps.prisma, claim.targetId);
  const next = await fillOpenstackGaps(deps.prisma, claim.targetId, buildOpenstackRows(claim.targetId, snap), snap);
  const load = mark();
  const conditions = openstackAlertConditions({ cloud: { id: claim.targetId, name: info.name }, snapshot: snap, rows: next.rows.values(), secrets: next.secrets.values() });
  const error = snap.errors.length > 0 ? snap.errors.map((e) => e.message).join(' | ').slice(0, 2000) : null;
  const outcome = error ? 'partial' : 'success';
  const build = mark();
  const result = await kit.inTransaction(deps, claim, async (tx) => {
    const now = deps.now();
    const written = await writeOpenstackRows(tx, stored, next, { now, targetId: claim.targetId, logChanges: claim.cycle > 0 });
    const samples = await insertSamples(tx, barbicanSamples(claim.targetId, snap, now));
    const alerts = await reconcileAlerts(tx, openstackScope(claim.targetId), conditions, now);
    const rowsWritten = written.rowsWritten + samples + alerts.rowsWritten;
    const end = await kit.commitCycleEnd(tx, deps, claim, info, { startedAt, outcome, error, requests, rowsWritten, stored: true, dataChanged: written.rowsWritten > 0, failuresAfter: 0 });
    return { rowsWritten: rowsWritten + end.rowsWritten, opened: alerts.opened.length + end.opened, resolved: alerts.resolved.length + end.resolved };
  });
  const phasesMs = { read, load, build, write: mark() };
  return { targetId: claim.targetId, kind: 'openstack', outcome, error, rowsWritten: result.rowsWritten, requests, durationMs: deps.now().getTime() - startedAt.getTime(), alertsOpened: result.opened, alertsResolved: result.resolved, phasesMs };
}
