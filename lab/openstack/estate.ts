/**
 * The lab cloud's seeded estate: Keystone projects, users and role assignments; a LUKS volume type;
 * cinder-volume hosts (and cinder-backup services); volumes that are unencrypted, still on the
 * ConfKeyManager all-zero key, migrated (secret in the cinder service project with a read ACL for
 * the volume's user, as Cinder's migration makes them) or created with a Barbican key (secret in the
 * user's own project, as Castellan's orders make them); snapshots sharing their volume's key;
 * backups with their own key. Deterministic for a seed; 20,000 volumes generate in well under a second.
 */
import { z } from 'zod';
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import { createRandom } from '../vcenter/estate';

export const openStackEstateOptionsSchema = z
  .object({
    seed: z.number().int().default(1),
    /** Tenant projects (besides `admin` and `service`). */
    projects: z.number().int().min(1).max(1000).default(3),
    usersPerProject: z.number().int().min(1).max(20).default(2),
    volumes: z.number().int().min(0).max(200_000).default(40),
    snapshots: z.number().int().min(0).max(100_000).default(12),
    backups: z.number().int().min(0).max(100_000).default(12),
    /** cinder-volume hosts `cinder-1@lvm` … (each also the name of a cinder-backup host, see backupHosts). */
    cinderHosts: z.number().int().min(1).max(500).default(3),
    /** How many of those hosts also run cinder-backup (backups are spread over them). */
    backupHosts: z.number().int().min(0).max(500).default(2),
    unencryptedRatio: z.number().min(0).max(1).default(0.3),
    /** Of the encrypted volumes: still on the all-zero key. */
    fixedKeyRatio: z.number().min(0).max(1).default(0.4),
    /** Of the encrypted volumes: migrated to Barbican (the rest were created with a Barbican key). */
    migratedRatio: z.number().min(0).max(1).default(0.35),
    /** Pre-Queens backups of fixed-key volumes since deleted: no key ID in the database, data encrypted with fixed_key. */
    orphanBackups: z.number().int().min(0).max(10_000).default(0),
    /** Secrets in the service project that no volume references. */
    orphanSecrets: z.number().int().min(0).max(10_000).default(1),
    /** Give the cinder service user the Barbican `creator` role in the service project (the guide's prerequisite). */
    cinderCreatorRole: z.boolean().default(true),
    /** Bits of the ConfKeyManager fixed_key (its hex length × 4); the LUKS type uses 256. */
    fixedKeyBits: z.number().int().min(128).max(512).default(256),
  })
  .refine((o) => o.backupHosts <= o.cinderHosts, { message: 'backupHosts cannot exceed cinderHosts', path: ['backupHosts'] });

export type OpenStackEstateOptions = z.input<typeof openStackEstateOptionsSchema>;
export type ResolvedEstateOptions = z.output<typeof openStackEstateOptionsSchema>;

export type KeyOrigin = 'none' | 'fixed' | 'migrated' | 'barbican';

export interface LabProject {
  id: string;
  name: string;
}

export interface LabUser {
  id: string;
  name: string;
  password: string;
  /** projectId → role names. */
  roles: Map<string, Set<string>>;
}

export interface LabVolumeType {
  id: string;
  name: string;
  encryption: { encryptionId: string; provider: string; cipher: string; keySize: number; controlLocation: string } | null;
}

export interface LabVolume {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  status: 'available' | 'in-use' | 'error';
  size: number;
  typeId: string;
  /** `cinder-2@lvm#lvm-pool`. */
  host: string | null;
  /** All-zero, a Barbican secret UUID, or null (unencrypted). */
  keyId: string | null;
  serverId: string | null;
  createdAt: string;
}

export interface LabSnapshot {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  volumeId: string;
  status: 'available';
  keyId: string | null;
  createdAt: string;
}

export interface LabBackup {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  volumeId: string;
  status: 'available';
  keyId: string | null;
  /** The cinder-backup host holding it (not shown by the API, as in Cinder). */
  host: string;
  /** Made before Queens from a fixed-key volume: the database has no key ID, yet restoring it needs fixed_key. */
  preQueensFixedKey: boolean;
  createdAt: string;
}

export interface LabSecret {
  id: string;
  projectId: string;
  creatorId: string;
  name: string | null;
  algorithm: string;
  bitLength: number;
  mode: string | null;
  secretType: string;
  status: 'ACTIVE' | 'PENDING' | 'ERROR';
  expiration: string | null;
  created: string;
  updated: string;
  acl: { users: string[]; projectAccess: boolean; created: string; updated: string } | null;
}

export interface LabService {
  binary: 'cinder-volume' | 'cinder-backup' | 'cinder-scheduler';
  host: string;
  zone: string;
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  updatedAt: string;
  /** Fault: the service cannot start (its driver fails to initialise), so a restart leaves it down. */
  broken: boolean;
  /** cinder.conf of that host. */
  keyManagerBackend: 'barbican' | 'ConfKeyManager';
  fixedKeySet: boolean;
}

export interface OpenStackEstate {
  options: ResolvedEstateOptions;
  projects: LabProject[];
  adminProject: LabProject;
  serviceProject: LabProject;
  users: LabUser[];
  adminUser: LabUser;
  cinderUser: LabUser;
  keywatchUser: LabUser;
  volumeTypes: LabVolumeType[];
  luksType: LabVolumeType;
  volumes: LabVolume[];
  snapshots: LabSnapshot[];
  backups: LabBackup[];
  secrets: LabSecret[];
  services: LabService[];
  /** Where each volume's key came from at generation (ground truth for tests). */
  keyOrigin: Map<string, KeyOrigin>;
}

/** Barbican's timestamp format: ISO without zone, microseconds. */
export function barbicanTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000');
}

function hexId(random: () => number, bytes = 16): string {
  let s = '';
  for (let i = 0; i < bytes; i += 1) s += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return s;
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function generateOpenStackEstate(input: OpenStackEstateOptions = {}): OpenStackEstate {
  const options = openStackEstateOptionsSchema.parse(input);
  const random = createRandom(options.seed);
  const uuid = () => uuidOf(hexId(random));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const start = Date.UTC(2024, 0, 1);
  const span = 365 * 86_400_000;
  const when = () => start + Math.floor(random() * span);

  const project = (name: string): LabProject => ({ id: hexId(random), name });
  const adminProject = project('admin');
  const serviceProject = project('service');
  const tenants = Array.from({ length: options.projects }, (_, i) => project(`project-${i + 1}`));
  const user = (name: string, grants: [LabProject, string[]][]): LabUser => ({
    id: hexId(random),
    name,
    password: `pw-${hexId(random, 9)}`,
    roles: new Map(grants.map(([p, r]) => [p.id, new Set(r)])),
  });
  const adminUser = user('admin', [[adminProject, ['admin', 'member', 'reader']]]);
  const cinderUser = user('cinder', [[serviceProject, options.cinderCreatorRole ? ['service', 'creator'] : ['service']]]);
  const keywatchUser = user('keywatch', [[serviceProject, ['admin', 'reader']]]);
  const tenantUsers = new Map<string, LabUser[]>();
  const users = [adminUser, cinderUser, keywatchUser];
  for (const p of tenants) {
    const list = Array.from({ length: options.usersPerProject }, (_, i) => user(`${p.name}-user-${i + 1}`, [[p, ['member', 'creator']]]));
    tenantUsers.set(p.id, list);
    users.push(...list);
  }

  const luksType: LabVolumeType = {
    id: uuid(),
    name: 'LuksEncryptor-Template-256',
    encryption: { encryptionId: uuid(), provider: 'luks', cipher: 'aes-xts-plain64', keySize: 256, controlLocation: 'front-end' },
  };
  const defaultType: LabVolumeType = { id: uuid(), name: '__DEFAULT__', encryption: null };

  const hostNames = Array.from({ length: options.cinderHosts }, (_, i) => `cinder-${i + 1}`);
  const updatedAt = new Date(start + span).toISOString().replace(/\.\d+Z$/, '.000000');
  const service = (binary: LabService['binary'], host: string): LabService => ({
    binary,
    host,
    zone: 'nova',
    state: 'up',
    status: 'enabled',
    disabledReason: null,
    updatedAt,
    broken: false,
    keyManagerBackend: 'barbican',
    fixedKeySet: true,
  });
  const services: LabService[] = [
    service('cinder-scheduler', 'controller-1'),
    ...hostNames.map((h) => service('cinder-volume', `${h}@lvm`)),
    ...hostNames.slice(0, options.backupHosts).map((h) => service('cinder-backup', h)),
  ];

  const secrets: LabSecret[] = [];
  const secret = (projectId: string, creatorId: string, algorithm: string, bitLength: number, created: number, aclUser: string | null): string => {
    const id = uuid();
    const t = barbicanTime(created);
    secrets.push({
      id,
      projectId,
      creatorId,
      name: null,
      algorithm,
      bitLength,
      mode: null,
      secretType: 'symmetric',
      status: 'ACTIVE',
      expiration: null,
      created: t,
      updated: t,
      acl: aclUser ? { users: [aclUser], projectAccess: true, created: t, updated: t } : null,
    });
    return id;
  };

  const keyOrigin = new Map<string, KeyOrigin>();
  const volumes: LabVolume[] = [];
  for (let i = 0; i < options.volumes; i += 1) {
    const p = tenants[i % tenants.length]!;
    const owner = pick(tenantUsers.get(p.id)!);
    const created = when();
    let origin: KeyOrigin = 'none';
    if (random() >= options.unencryptedRatio) {
      const roll = random();
      origin = roll < options.fixedKeyRatio ? 'fixed' : roll < options.fixedKeyRatio + (1 - options.fixedKeyRatio) * options.migratedRatio ? 'migrated' : 'barbican';
    }
    const keyId =
      origin === 'none'
        ? null
        : origin === 'fixed'
          ? FIXED_KEY_ID
          : origin === 'migrated'
            ? secret(serviceProject.id, cinderUser.id, 'AES', options.fixedKeyBits, created + 86_400_000, owner.id)
            : secret(p.id, owner.id, 'aes', luksType.encryption!.keySize, created, null);
    const inUse = random() < 0.5;
    const id = uuid();
    keyOrigin.set(id, origin);
    volumes.push({
      id,
      name: `vol-${p.name}-${String(i + 1).padStart(5, '0')}`,
      projectId: p.id,
      userId: owner.id,
      status: inUse ? 'in-use' : 'available',
      size: 1 + Math.floor(random() * 100),
      typeId: origin === 'none' ? defaultType.id : luksType.id,
      host: `${hostNames[i % hostNames.length]}@lvm#lvm-pool`,
      keyId,
      serverId: inUse ? uuid() : null,
      createdAt: new Date(created).toISOString().replace('Z', ''),
    });
  }

  const snapshots: LabSnapshot[] = [];
  for (let i = 0; i < options.snapshots && volumes.length > 0; i += 1) {
    const v = volumes[Math.floor(random() * volumes.length)]!;
    snapshots.push({ id: uuid(), name: `snap-${String(i + 1).padStart(5, '0')}`, projectId: v.projectId, userId: v.userId, volumeId: v.id, status: 'available', keyId: v.keyId, createdAt: new Date(when()).toISOString().replace('Z', '') });
  }

  const backupHostNames = hostNames.slice(0, Math.max(1, options.backupHosts));
  const backups: LabBackup[] = [];
  for (let i = 0; i < options.backups && volumes.length > 0; i += 1) {
    const v = volumes[Math.floor(random() * volumes.length)]!;
    const origin = keyOrigin.get(v.id)!;
    const created = when();
    // Cinder gives every backup of an encrypted volume its own copy of the key.
    const keyId =
      origin === 'none'
        ? null
        : origin === 'fixed'
          ? FIXED_KEY_ID
          : origin === 'migrated'
            ? secret(serviceProject.id, cinderUser.id, 'AES', options.fixedKeyBits, created, v.userId)
            : secret(v.projectId, v.userId, 'aes', luksType.encryption!.keySize, created, null);
    backups.push({ id: uuid(), name: `backup-${String(i + 1).padStart(5, '0')}`, projectId: v.projectId, userId: v.userId, volumeId: v.id, status: 'available', keyId, host: backupHostNames[i % backupHostNames.length]!, preQueensFixedKey: false, createdAt: new Date(created).toISOString().replace('Z', '') });
  }
  for (let i = 0; i < options.orphanBackups; i += 1) {
    const p = tenants[i % tenants.length]!;
    const owner = pick(tenantUsers.get(p.id)!);
    backups.push({ id: uuid(), name: `orphan-backup-${i + 1}`, projectId: p.id, userId: owner.id, volumeId: uuid(), status: 'available', keyId: null, host: backupHostNames[i % backupHostNames.length]!, preQueensFixedKey: true, createdAt: new Date(when()).toISOString().replace('Z', '') });
  }
  for (let i = 0; i < options.orphanSecrets; i += 1) secret(serviceProject.id, cinderUser.id, 'AES', options.fixedKeyBits, when(), null);

  return {
    options,
    projects: [adminProject, serviceProject, ...tenants],
    adminProject,
    serviceProject,
    users,
    adminUser,
    cinderUser,
    keywatchUser,
    volumeTypes: [defaultType, luksType],
    luksType,
    volumes,
    snapshots,
    backups,
    secrets,
    services,
    keyOrigin,
  };
}
