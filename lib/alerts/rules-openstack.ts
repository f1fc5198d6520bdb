/**
 * OpenStack alerts from one stored poll of a cloud: the cloud-wide conditions lib/openstack reads
 * off the snapshot (Barbican down / auth failing / backend error, no key-manager in the catalog,
 * migration stuck by host), and the per-key ones from the stored rows — so that a row whose key
 * could not be checked this time keeps its VOLUME_KEY_MISSING instead of resolving it.
 */
import type { OsRow, OsSecret } from '../db/generated/client';
import { OPENSTACK_RUNBOOKS, openstackConditions, type OpenStackConditionKind } from '../openstack/conditions';
import { describeAnomalies, type SecretAnomaly } from '../openstack/key-state';
import type { OpenStackSnapshot } from '../openstack/snapshot';
import { parseJsonArray } from '../observations/json-columns';
import type { AlertCondition } from './catalog';

export interface OpenstackAlertInput {
  cloud: { id: string; name: string };
  snapshot: OpenStackSnapshot;
  /** The rows and secrets as stored after this poll (gaps filled from earlier polls). */
  rows: Iterable<Omit<OsRow, 'changedAt'>>;
  secrets: Iterable<Omit<OsSecret, 'changedAt'>>;
}

const CLOUD_WIDE: readonly OpenStackConditionKind[] = ['BARBICAN_DOWN', 'BARBICAN_AUTH_FAILING', 'BARBICAN_BACKEND_ERROR', 'KEY_MANAGER_NOT_IN_CATALOG', 'FIXED_KEY_MIGRATION_STUCK'];

const TITLES: Record<OpenStackConditionKind, (cloud: string, what: string) => string> = {
  BARBICAN_DOWN: (cloud) => `Barbican of ${cloud} is down`,
  BARBICAN_AUTH_FAILING: (cloud) => `Tokens fail against Barbican of ${cloud}`,
  BARBICAN_BACKEND_ERROR: (cloud) => `Barbican of ${cloud} answers but its backend fails`,
  KEY_MANAGER_NOT_IN_CATALOG: (cloud) => `No key-manager endpoint in the catalog of ${cloud}`,
  VOLUME_KEY_MISSING: (cloud, what) => `The key of ${what} in ${cloud} is gone from Barbican`,
  SECRET_ANOMALY: (cloud, what) => `Barbican secret ${what} of ${cloud} does not look like a volume key`,
  FIXED_KEY_MIGRATION_STUCK: (cloud, what) => `fixed_key migration stuck on ${what} (${cloud})`,
};

const label = (name: string | null, id: string) => (name ? `${name} (${id})` : id);

export function openstackAlertConditions(input: OpenstackAlertInput): AlertCondition[] {
  const { cloud } = input;
  const out: AlertCondition[] = [];
  for (const c of openstackConditions(input.snapshot)) {
    if (!CLOUD_WIDE.includes(c.kind)) continue;
    const entityId = c.entity.type === 'cloud' ? cloud.id : `${cloud.id}|${c.entity.type}|${c.entity.id}`;
    out.push({
      kind: c.kind,
      severity: c.severity,
      entityType: c.entity.type === 'cloud' ? 'openstackCloud' : c.entity.type,
      entityId,
      entityName: c.entity.type === 'cloud' ? cloud.name : (c.entity.name ?? c.entity.id),
      targetId: cloud.id,
      title: TITLES[c.kind](cloud.name, c.entity.name ?? c.entity.id),
      cause: c.message,
      runbook: c.runbook,
    });
  }
  for (const r of input.rows) {
    if (r.keyState !== 'dangling') continue;
    const what = `${r.kind} ${label(r.name, r.osId)}`;
    out.push({
      kind: 'VOLUME_KEY_MISSING',
      severity: 'critical',
      entityType: `openstack-${r.kind}`,
      entityId: r.id,
      entityName: r.name ?? r.osId,
      targetId: cloud.id,
      title: TITLES.VOLUME_KEY_MISSING(cloud.name, what),
      cause: `${what} in project ${r.projectId ?? '?'} uses key ${r.keyId ?? '?'}: ${r.reason ?? 'Barbican answers 404 for it (deleted or expired)'}.`,
      runbook: OPENSTACK_RUNBOOKS.VOLUME_KEY_MISSING,
      details: { keyId: r.keyId, projectId: r.projectId, host: r.host, status: r.status },
    });
  }
  for (const s of input.secrets) {
    const anomalies = parseJsonArray<SecretAnomaly>(s.anomalies);
    if (anomalies.length === 0) continue;
    const users = [s.volumes && `${s.volumes} volume(s)`, s.snapshots && `${s.snapshots} snapshot(s)`, s.backups && `${s.backups} backup(s)`].filter(Boolean).join(', ');
    const facts = s.status && s.secretType ? { status: s.status, secretType: s.secretType, algorithm: null, bitLength: s.bitLength, expiration: s.expiration, creatorId: null } : undefined;
    out.push({
      kind: 'SECRET_ANOMALY',
      severity: anomalies.includes('not-active') || anomalies.includes('expiration-near') ? 'critical' : 'warning',
      entityType: 'barbican-secret',
      entityId: s.id,
      entityName: s.keyId,
      targetId: cloud.id,
      title: TITLES.SECRET_ANOMALY(cloud.name, s.keyId),
      cause: `Secret ${s.keyId}, used by ${users || 'no listed row'}: ${describeAnomalies(anomalies, facts)}.`,
      runbook: OPENSTACK_RUNBOOKS.SECRET_ANOMALY,
      details: { keyId: s.keyId, anomalies, bitLength: s.bitLength, expiration: s.expiration },
    });
  }
  return out;
}
