/**
 * The lab cloud's live state: the estate (mutated by faults, secret creation and migration), the
 * Keystone tokens, the fault switches, request counters and the cinder-volume / cinder-backup log.
 * Shared by the Keystone, Barbican and Cinder route modules; no I/O.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { parseOpenStackTime } from '@/lib/openstack/key-state';
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import { barbicanTime, type LabBackup, type LabSecret, type LabService, type LabUser, type LabVolume, type LabVolumeType, type OpenStackEstate } from './estate';

export interface LabToken {
  id: string;
  userId: string;
  projectId: string;
  roles: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface LabFaultState {
  /** up; refused: the port is closed; http-503: a proxy answers 503 with an HTML page. */
  barbicanMode: 'up' | 'refused' | 'http-503';
  /** /healthcheck answers 503 DISABLED BY FILE (the API itself keeps working). */
  barbicanHealthcheckDisabled: boolean;
  /** Barbican's keystonemiddleware cannot reach Keystone: every /v1 call answers 503. */
  barbicanKeystoneUnreachable: boolean;
  /** Barbican's database / secret store fails: every /v1 call answers 500. */
  barbicanBackendError: boolean;
  /** New key orders stay PENDING or go to ERROR instead of ACTIVE. */
  barbicanOrders: 'ok' | 'stuck-pending' | 'error';
  /** Keystone's token endpoint answers 503. */
  keystoneUnavailable: boolean;
  /** The key-manager service in the catalog: present, absent, or only in another region. */
  catalogKeyManager: 'present' | 'absent' | 'wrong-region';
  /** Highest Cinder microversion served. */
  cinderMaxMicroversion: string;
  /** Cinder's answers lose the OpenStack-API-Version header (a proxy stripping it). */
  cinderDropVersionHeader: boolean;
  /** The next `count` Cinder answers whose path contains `path` are cut in half. */
  cinderTruncate: { path: string; count: number } | null;
  /** Revoke every token once this many more authenticated Barbican / Cinder requests were served. */
  revokeTokensAfter: number | null;
}

export const DEFAULT_FAULTS: LabFaultState = {
  barbicanMode: 'up',
  barbicanHealthcheckDisabled: false,
  barbicanKeystoneUnreachable: false,
  barbicanBackendError: false,
  barbicanOrders: 'ok',
  keystoneUnavailable: false,
  catalogKeyManager: 'present',
  cinderMaxMicroversion: '3.71',
  cinderDropVersionHeader: false,
  cinderTruncate: null,
  revokeTokensAfter: null,
};

export interface MigrationLogLine {
  time: string;
  host: string;
  binary: string;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface LabOrder {
  id: string;
  projectId: string;
  creatorId: string;
  status: 'PENDING' | 'ACTIVE' | 'ERROR';
  secretId: string | null;
  meta: Record<string, unknown>;
  created: string;
  updated: string;
  errorStatusCode: string | null;
  errorReason: string | null;
}

export const MIGRATION_LOG_LIMIT = 2_000;
const TOKEN_PRUNE_AT = 1_000;

export class OpenStackLabModel {
  readonly tokens = new Map<string, LabToken>();
  readonly faults: LabFaultState = { ...DEFAULT_FAULTS };
  readonly secretsById: Map<string, LabSecret>;
  readonly volumesById: Map<string, LabVolume>;
  readonly typesById: Map<string, LabVolumeType>;
  readonly usersById: Map<string, LabUser>;
  readonly orders = new Map<string, LabOrder>();
  readonly migrationLog: MigrationLogLine[] = [];
  /** Secret metadata / ACL requests per secret id (the poll must ask about each key at most once). */
  readonly secretRequests = new Map<string, number>();
  requestCounts = { keystone: 0, barbican: 0, cinder: 0 };
  tokensIssued = 0;

  constructor(
    readonly estate: OpenStackEstate,
    readonly tokenLifetimeMs: number,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.secretsById = new Map(estate.secrets.map((s) => [s.id, s]));
    this.volumesById = new Map(estate.volumes.map((v) => [v.id, v]));
    this.typesById = new Map(estate.volumeTypes.map((t) => [t.id, t]));
    this.usersById = new Map(estate.users.map((u) => [u.id, u]));
  }

  now(): number {
    return this.clock();
  }

  // ------------------------------------------------------------ Keystone

  findUser(name: string): LabUser | undefined {
    return this.estate.users.find((u) => u.name === name);
  }

  issueToken(user: LabUser, projectId: string): LabToken {
    const now = this.now();
    // A lab polled for days would otherwise keep every token it ever issued.
    if (this.tokens.size >= TOKEN_PRUNE_AT) {
      for (const [id, t] of this.tokens) if (t.revoked || t.expiresAt <= now) this.tokens.delete(id);
    }
    const token: LabToken = {
      id: `gAAAAA${randomBytes(24).toString('base64url')}`,
      userId: user.id,
      projectId,
      roles: [...(user.roles.get(projectId) ?? [])],
      issuedAt: now,
      expiresAt: now + this.tokenLifetimeMs,
      revoked: false,
    };
    this.tokens.set(token.id, token);
    this.tokensIssued += 1;
    return token;
  }

  /** The live token for an `X-Auth-Token` header, or null. Counts towards `revokeTokensAfter`. */
  authenticate(header: string | string[] | undefined, service: 'barbican' | 'cinder'): LabToken | null {
    this.requestCounts[service] += 1;
    if (this.faults.revokeTokensAfter !== null) {
      if (this.faults.revokeTokensAfter <= 0) {
        this.revokeAllTokens();
        this.faults.revokeTokensAfter = null;
      } else this.faults.revokeTokensAfter -= 1;
    }
    if (typeof header !== 'string') return null;
    const token = this.tokens.get(header);
    if (!token || token.revoked || token.expiresAt <= this.now()) return null;
    return token;
  }

  revokeAllTokens(): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if (!t.revoked) {
        t.revoked = true;
        n += 1;
      }
    }
    return n;
  }

  hasRole(token: LabToken, ...roles: string[]): boolean {
    return roles.some((r) => token.roles.includes(r));
  }

  // ------------------------------------------------------------ Barbican

  countSecretRequest(id: string): void {
    this.secretRequests.set(id, (this.secretRequests.get(id) ?? 0) + 1);
  }

  /** A live secret: present and not expired (Barbican hides expired secrets entirely). */
  liveSecret(id: string): LabSecret | undefined {
    const s = this.secretsById.get(id);
    if (!s) return undefined;
    if (s.expiration && parseOpenStackTime(s.expiration) <= this.now()) return undefined;
    return s;
  }

  /**
   * Barbican's legacy policy for reading a secret: a project member with a reading role (unless the
   * secret is private), the project admin, its creator, or a user in its read ACL.
   */
  canReadSecret(token: LabToken, secret: LabSecret): boolean {
    if (secret.acl?.users.includes(token.userId)) return true;
    if (token.projectId !== secret.projectId) return false;
    if (this.hasRole(token, 'admin')) return true;
    if (this.hasRole(token, 'creator') && secret.creatorId === token.userId) return true;
    const privateSecret = secret.acl !== null && !secret.acl.projectAccess;
    return !privateSecret && this.hasRole(token, 'observer', 'creator', 'audit', 'member', 'reader');
  }

  addSecret(fields: Omit<LabSecret, 'created' | 'updated' | 'acl'> & { acl?: LabSecret['acl'] }): LabSecret {
    const t = barbicanTime(this.now());
    const s: LabSecret = { ...fields, created: t, updated: t, acl: fields.acl ?? null };
    this.estate.secrets.push(s);
    this.secretsById.set(s.id, s);
    return s;
  }

  deleteSecret(id: string): boolean {
    const s = this.secretsById.get(id);
    if (!s) return false;
    this.secretsById.delete(id);
    const i = this.estate.secrets.indexOf(s);
    if (i >= 0) this.estate.secrets.splice(i, 1);
    return true;
  }

  // ------------------------------------------------------------ Cinder

  serviceOf(binary: LabService['binary'], host: string): LabService | undefined {
    return this.estate.services.find((s) => s.binary === binary && s.host === host);
  }

  /** Volumes of one cinder-volume service (`cinder-2@lvm` owns `cinder-2@lvm#lvm-pool`). */
  volumesOfService(serviceHost: string): LabVolume[] {
    return this.estate.volumes.filter((v) => v.host !== null && v.host.split('#')[0] === serviceHost);
  }

  backupsOfService(host: string): LabBackup[] {
    return this.estate.backups.filter((b) => b.host === host);
  }

  setVolumeKey(volume: LabVolume, keyId: string): void {
    volume.keyId = keyId;
    for (const s of this.estate.snapshots) if (s.volumeId === volume.id) s.keyId = keyId;
  }

  fixedKeyCounts(): { volumes: number; snapshots: number; backups: number } {
    return {
      volumes: this.estate.volumes.filter((v) => v.keyId === FIXED_KEY_ID).length,
      snapshots: this.estate.snapshots.filter((s) => s.keyId === FIXED_KEY_ID).length,
      backups: this.estate.backups.filter((b) => b.keyId === FIXED_KEY_ID).length,
    };
  }

  log(host: string, binary: string, level: MigrationLogLine['level'], message: string): void {
    this.migrationLog.push({ time: new Date(this.now()).toISOString(), host, binary, level, message });
    if (this.migrationLog.length > MIGRATION_LOG_LIMIT) this.migrationLog.splice(0, this.migrationLog.length - MIGRATION_LOG_LIMIT);
    const fields = { component: 'lab-openstack', host, binary };
    if (level === 'error') this.logger.error(fields, message);
    else if (level === 'warning') this.logger.warn(fields, message);
    else this.logger.info(fields, message);
  }
}

