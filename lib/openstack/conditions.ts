/**
 * The alert conditions an OpenStack snapshot shows, one entry per (kind, entity), each with a
 * severity, a one-line message and the runbook text. Pure: the alert engine decides what is new,
 * still open or resolved by comparing successive lists.
 */
import { describeAnomalies, type SecretAnomaly } from './key-state';
import type { OpenStackSnapshot } from './snapshot';

export type OpenStackConditionKind =
  | 'BARBICAN_DOWN'
  | 'BARBICAN_AUTH_FAILING'
  | 'BARBICAN_BACKEND_ERROR'
  | 'KEY_MANAGER_NOT_IN_CATALOG'
  | 'VOLUME_KEY_MISSING'
  | 'SECRET_ANOMALY'
  | 'FIXED_KEY_MIGRATION_STUCK';

export type ConditionEntityType = 'cloud' | 'volume' | 'snapshot' | 'backup' | 'secret' | 'cinder-volume-host' | 'cinder-backup';

export interface OpenStackCondition {
  kind: OpenStackConditionKind;
  severity: 'critical' | 'warning';
  entity: { type: ConditionEntityType; id: string; name: string | null };
  message: string;
  runbook: string;
}

export const OPENSTACK_RUNBOOKS: Record<OpenStackConditionKind, string> = {
  BARBICAN_DOWN:
    'Barbican does not answer. Check the barbican-api processes and the load balancer in front of them (a 503 "DISABLED BY FILE" from /healthcheck means someone drained it on purpose). While it is down, attaching an encrypted volume on a compute host without a cached libvirt secret, new encrypted volumes and rebuilds fail; running instances keep their keys.',
  BARBICAN_AUTH_FAILING:
    "Tokens are not working: either Keystone refuses Keywatch's credentials (check the user, password, domains and project) or Barbican cannot reach Keystone to validate tokens (its 503 \"The Keystone service is temporarily unavailable\": check [keystone_authtoken] in barbican.conf, the Keystone endpoint and the network from the Barbican hosts). Every key fetch by Nova and Cinder fails the same way.",
  BARBICAN_BACKEND_ERROR:
    "Barbican's API answers but its database or secret-store plugin fails (HTTP 500 \"… failure seen - please contact site administrator\"). Check barbican-api logs, the database connection and the HSM / KMIP / Vault backend behind the crypto plugin.",
  KEY_MANAGER_NOT_IN_CATALOG:
    'The Keystone catalog has no key-manager endpoint for the configured region and interface, so Castellan (Nova, Cinder) cannot find Barbican. Register it: openstack endpoint create --region <region> key-manager public|internal <url>, or fix the region / interface in the Keywatch target.',
  VOLUME_KEY_MISSING:
    "Barbican answers 404 for this row's key ID: the secret was deleted or has expired. The volume cannot be attached again (Nova cannot fetch the key) and a snapshot or backup cannot be restored. Restore the secret from a Barbican database backup with the same UUID, or recover the data while it is still attached somewhere.",
  SECRET_ANOMALY:
    "The secret exists but does not look like a volume key should: not ACTIVE, not symmetric, a bit length different from the volume type's key_size, an expiration (Barbican hides expired secrets, so the volume would lose its key), or — for secrets Cinder's migration created in its service project — a read ACL without the volume's user (that user can no longer attach it). Fix the secret (clear the expiration, add the user: openstack acl user add --user <id> <secret href>) before the volume is next attached.",
  FIXED_KEY_MIGRATION_STUCK:
    'Rows still use the ConfKeyManager all-zero key ID on a host whose cinder-volume (or a cinder-backup) service is down or disabled. Only that service migrates its own rows, and only when it starts; until it does, fixed_key must stay in cinder.conf and nova.conf. Bring the service up (or move the volumes to a working backend), restart it, and check its log for "Starting migration of ConfKeyManager keys." and the summary line.',
};

function label(name: string | null, id: string): string {
  return name ? `${name} (${id})` : id;
}

function anomalySeverity(anomalies: readonly SecretAnomaly[]): OpenStackCondition['severity'] {
  return anomalies.includes('not-active') || anomalies.includes('expiration-near') ? 'critical' : 'warning';
}

export function openstackConditions(snapshot: OpenStackSnapshot): OpenStackCondition[] {
  const out: OpenStackCondition[] = [];
  const cloud = { type: 'cloud' as const, id: snapshot.cloud, name: snapshot.cloud };
  const add = (kind: OpenStackConditionKind, severity: OpenStackCondition['severity'], entity: OpenStackCondition['entity'], message: string) =>
    out.push({ kind, severity, entity, message, runbook: OPENSTACK_RUNBOOKS[kind] });

  const catalogError = snapshot.errors.find((e) => e.area === 'catalog-key-manager');
  if (catalogError) add('KEY_MANAGER_NOT_IN_CATALOG', 'critical', cloud, catalogError.message);

  const b = snapshot.barbican;
  if (b.api.status === 'auth-failing') add('BARBICAN_AUTH_FAILING', 'critical', cloud, b.api.detail);
  if (b.endpoint) {
    const down: string[] = [];
    if (b.api.status === 'down') down.push(b.api.detail);
    if (b.process.status === 'failed' || b.process.status === 'disabled') down.push(`/healthcheck: ${b.process.detail}`);
    if (b.process.status === 'absent' && b.versions.ok === false) down.push(`version discovery: ${b.versions.detail}`);
    if (down.length > 0) add('BARBICAN_DOWN', 'critical', cloud, `Barbican at ${b.endpoint} is down: ${down.join('; ')}`);
    if (b.api.status === 'backend-error') add('BARBICAN_BACKEND_ERROR', 'critical', cloud, b.api.detail);
  }

  const rowKinds = [
    ['volume', snapshot.volumes],
    ['snapshot', snapshot.snapshots],
    ['backup', snapshot.backups],
  ] as const;
  for (const [type, rows] of rowKinds) {
    for (const r of rows) {
      if (r.keyState.state !== 'dangling') continue;
      add('VOLUME_KEY_MISSING', 'critical', { type, id: r.id, name: r.name }, `${type} ${label(r.name, r.id)} in project ${r.projectId ?? '?'}: ${r.keyState.reason ?? 'its key is gone from Barbican'}`);
    }
  }

  for (const k of snapshot.keys) {
    if (k.anomalies.length === 0) continue;
    const users = [
      k.usedBy.volumes.length > 0 ? `volume(s) ${k.usedBy.volumes.slice(0, 5).join(', ')}${k.usedBy.volumes.length > 5 ? ' …' : ''}` : null,
      k.usedBy.backups.length > 0 ? `backup(s) ${k.usedBy.backups.slice(0, 5).join(', ')}${k.usedBy.backups.length > 5 ? ' …' : ''}` : null,
    ].filter((x) => x !== null);
    add('SECRET_ANOMALY', anomalySeverity(k.anomalies), { type: 'secret', id: k.keyId, name: null }, `secret ${k.keyId} used by ${users.join(' and ') || 'no listed row'}: ${k.anomalyText ?? describeAnomalies(k.anomalies, k.secret ?? undefined)}`);
  }

  for (const h of snapshot.hosts) {
    if (h.state === 'stuck') add('FIXED_KEY_MIGRATION_STUCK', 'warning', { type: 'cinder-volume-host', id: h.group, name: h.group }, `${h.group}: ${h.reason}`);
  }
  if (snapshot.backupMigration.stuck) {
    add('FIXED_KEY_MIGRATION_STUCK', 'warning', { type: 'cinder-backup', id: 'cinder-backup', name: 'cinder-backup' }, snapshot.backupMigration.reason);
  }
  return out;
}
