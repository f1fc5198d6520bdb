/**
 * The alert catalog of DESIGN.md §5 (vSphere and KMIP part): kinds, severities, and what a rule
 * hands to reconcile(). Texts are written per alert by the rules (rules-*.ts) from the facts.
 */
export const ALERT_KINDS = [
  'DISK_GROUP_UNMOUNTED',
  'DISK_GROUP_KEYS_NOT_LOADED',
  'VM_LOCKED',
  'HOST_CRYPTO_NOT_SAFE',
  'HOST_KMS_UNREACHABLE',
  'KMS_NODE_DOWN',
  'KMS_CLUSTER_DEGRADED',
  'KEY_MISSING_ON_NODE',
  'KEY_NOT_ACTIVE',
  'KMS_CERT_EXPIRING',
  'CLIENT_CERT_EXPIRING',
  'KMS_SELF_HOSTED',
  'VCENTER_UNREACHABLE',
  'DATA_STALE',
  // OpenStack (lib/alerts/rules-openstack.ts).
  'BARBICAN_DOWN',
  'BARBICAN_AUTH_FAILING',
  'BARBICAN_BACKEND_ERROR',
  'KEY_MANAGER_NOT_IN_CATALOG',
  'VOLUME_KEY_MISSING',
  'SECRET_ANOMALY',
  'FIXED_KEY_MIGRATION_STUCK',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const severityRank = (s: string): number => SEVERITIES.indexOf(s as Severity);

/** Alerts on-call must see first whatever their severity: the disk that is not there. */
export const PINNED_KINDS: readonly AlertKind[] = ['DISK_GROUP_UNMOUNTED'];

/** Certificates expiring within this many days warn; within the critical limit (or expired) page. */
export const CERT_WARN_DAYS = 30;
export const CERT_CRITICAL_DAYS = 7;

/** A condition that holds now; reconcile() opens, updates or (when it no longer holds) resolves alerts from these. */
export interface AlertCondition {
  kind: AlertKind;
  severity: Severity;
  entityType: string;
  /** Stable id of the thing the alert is about (a stored row id, or a composite such as "<node>|<key>"). */
  entityId: string;
  entityName: string;
  targetId: string | null;
  title: string;
  /** Likely cause, from the facts at hand. */
  cause: string;
  /** What to do, in order. */
  runbook: string;
  details?: Record<string, unknown>;
}

/** Scope = which evaluation owns an alert; only a run of the same scope may resolve it. */
export const vcenterScope = (vcenterId: string): string => `vcenter:${vcenterId}`;
export const kmsScope = (kmsProviderId: string): string => `kms:${kmsProviderId}`;
export const openstackScope = (cloudId: string): string => `openstack:${cloudId}`;
export const TARGETS_SCOPE = 'targets';

export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}

export function steps(...lines: string[]): string {
  return lines.map((line, i) => `${i + 1}. ${line}`).join('\n');
}
