/**
 * Response shapes of the Keystone v3, Barbican v1 and Cinder v3 calls Keywatch makes (see
 * shared/OPENSTACK.md), parsed with zod at the edge. Only the fields Keywatch reads are declared;
 * unknown fields are dropped. The lab (lab/openstack) builds its answers with the same types.
 */
import { z } from 'zod';

/** The ConfKeyManager's key ID: every volume encrypted before Barbican shares it. */
export const FIXED_KEY_ID = '00000000-0000-0000-0000-000000000000';

const isoTime = z.string().min(1);

// ---------------------------------------------------------------- Keystone v3

export const InterfaceSchema = z.enum(['public', 'internal', 'admin']);
export type EndpointInterface = z.infer<typeof InterfaceSchema>;

export const CatalogEndpointSchema = z.object({
  id: z.string(),
  interface: InterfaceSchema,
  region: z.string().nullable().optional(),
  region_id: z.string().nullable().optional(),
  url: z.string().min(1),
});

export const CatalogEntrySchema = z.object({
  id: z.string(),
  type: z.string().min(1),
  name: z.string().optional(),
  endpoints: z.array(CatalogEndpointSchema),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

const NamedRefSchema = z.object({ id: z.string().min(1), name: z.string().optional() });

export const TokenBodySchema = z.object({
  token: z.object({
    expires_at: isoTime,
    issued_at: isoTime,
    methods: z.array(z.string()).optional(),
    user: NamedRefSchema.extend({ domain: NamedRefSchema.optional() }),
    project: NamedRefSchema.extend({ domain: NamedRefSchema.optional() }).optional(),
    roles: z.array(NamedRefSchema).default([]),
    catalog: z.array(CatalogEntrySchema).default([]),
  }),
});
export type TokenBody = z.infer<typeof TokenBodySchema>;

// ---------------------------------------------------------------- error bodies

/** Keystone and keystonemiddleware: `{"error":{"code":401,"title":"Unauthorized","message":…}}`. */
export const KeystoneErrorBodySchema = z.object({
  error: z.object({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() }),
});
/** Barbican: `{"code":404,"title":"Not Found","description":"Secret not found."}`. */
export const BarbicanErrorBodySchema = z.object({ code: z.number().optional(), title: z.string().optional(), description: z.string() });
/** webob's JSON error page (keystonemiddleware 503): `{"message":…,"code":"503 Service Unavailable","title":…}`. */
export const WebobErrorBodySchema = z.object({ message: z.string(), code: z.union([z.string(), z.number()]).optional(), title: z.string().optional() });
/** Cinder faults: `{"itemNotFound":{"code":404,"message":…}}`, `{"computeFault":{…}}`, … */
export const CinderFaultBodySchema = z.record(z.string(), z.object({ code: z.number().optional(), message: z.string() }));

// ---------------------------------------------------------------- Barbican v1

/** `GET /` without a microversion header: 300 Multiple Choices. */
export const BarbicanLegacyVersionsSchema = z.object({
  versions: z.object({ values: z.array(z.object({ id: z.string(), status: z.string() })) }),
});
/** `GET /` with `OpenStack-API-Version: key-manager 1.1`. */
export const BarbicanMicroversionsSchema = z.object({
  versions: z.array(
    z.object({ id: z.string(), status: z.string(), min_version: z.string().optional(), max_version: z.string().optional() }),
  ),
});

export const SecretStatusSchema = z.enum(['ACTIVE', 'PENDING', 'ERROR']);

export const SecretSchema = z.object({
  secret_ref: z.string().min(1),
  status: SecretStatusSchema,
  secret_type: z.string(),
  algorithm: z.string().nullable().optional(),
  bit_length: z.number().int().nullable().optional(),
  mode: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  expiration: z.string().nullable().optional(),
  created: isoTime.optional(),
  updated: isoTime.optional(),
  creator_id: z.string().nullable().optional(),
  content_types: z.record(z.string(), z.string()).nullable().optional(),
});
export type Secret = z.infer<typeof SecretSchema>;

export const SecretListSchema = z.object({
  secrets: z.array(SecretSchema),
  total: z.number().int().min(0),
  next: z.string().optional(),
  previous: z.string().optional(),
});
export type SecretList = z.infer<typeof SecretListSchema>;

export const SecretAclSchema = z.object({
  read: z.object({
    users: z.array(z.string()).default([]),
    'project-access': z.boolean().default(true),
    created: isoTime.optional(),
    updated: isoTime.optional(),
  }),
});
export type SecretAcl = z.infer<typeof SecretAclSchema>;

export const OrderSchema = z.object({
  order_ref: z.string().min(1),
  type: z.string(),
  status: SecretStatusSchema,
  secret_ref: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  created: isoTime.optional(),
  updated: isoTime.optional(),
  creator_id: z.string().nullable().optional(),
  error_status_code: z.union([z.string(), z.number()]).nullable().optional(),
  error_reason: z.string().nullable().optional(),
});
export type Order = z.infer<typeof OrderSchema>;

export const OrderListSchema = z.object({
  orders: z.array(OrderSchema),
  total: z.number().int().min(0),
  next: z.string().optional(),
  previous: z.string().optional(),
});

export const OrderCreatedSchema = z.object({ order_ref: z.string().min(1) });

// ---------------------------------------------------------------- Cinder v3

const LinkSchema = z.object({ href: z.string(), rel: z.string() });

/** `GET /` of the Cinder endpoint root. */
export const CinderVersionsSchema = z.object({
  versions: z.array(
    z.object({ id: z.string(), status: z.string(), version: z.string().optional(), min_version: z.string().optional() }),
  ),
});

export const VolumeSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullable().optional(),
  status: z.string(),
  size: z.number().optional(),
  encrypted: z.boolean(),
  /** From 3.64, only when set and not the all-zero ID. */
  encryption_key_id: z.string().optional(),
  volume_type: z.string().nullable().optional(),
  volume_type_id: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  'os-vol-tenant-attr:tenant_id': z.string().nullable().optional(),
  'os-vol-host-attr:host': z.string().nullable().optional(),
  cluster_name: z.string().nullable().optional(),
  migration_status: z.string().nullable().optional(),
  attachments: z.array(z.object({ server_id: z.string().optional() }).loose()).default([]),
  created_at: z.string().nullable().optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const VolumeListSchema = z.object({
  volumes: z.array(VolumeSchema),
  volumes_links: z.array(LinkSchema).optional(),
  count: z.number().int().min(0).optional(),
});

export const SnapshotSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullable().optional(),
  status: z.string(),
  volume_id: z.string().min(1),
  user_id: z.string().nullable().optional(),
  'os-extended-snapshot-attributes:project_id': z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const SnapshotListSchema = z.object({
  snapshots: z.array(SnapshotSchema),
  snapshots_links: z.array(LinkSchema).optional(),
  count: z.number().int().min(0).optional(),
});

export const BackupSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullable().optional(),
  status: z.string(),
  volume_id: z.string().min(1),
  user_id: z.string().nullable().optional(),
  'os-backup-project-attr:project_id': z.string().nullable().optional(),
  /** From 3.64, only when set and not the all-zero ID. */
  encryption_key_id: z.string().optional(),
  created_at: z.string().nullable().optional(),
});
export type Backup = z.infer<typeof BackupSchema>;

export const BackupListSchema = z.object({
  backups: z.array(BackupSchema),
  backups_links: z.array(LinkSchema).optional(),
  count: z.number().int().min(0).optional(),
});

/** `GET …/volumes/{id}/encryption`: the one place the all-zero key ID shows. */
export const VolumeEncryptionSchema = z.object({
  encryption_key_id: z.string().nullable(),
  control_location: z.string().optional(),
  cipher: z.string().nullable().optional(),
  key_size: z.number().int().nullable().optional(),
  provider: z.string().optional(),
});
export type VolumeEncryption = z.infer<typeof VolumeEncryptionSchema>;

/** `GET …/types/{id}/encryption`: unwrapped specs, or `{}` for an unencrypted type. */
export const TypeEncryptionSchema = z.union([
  z.object({
    volume_type_id: z.string(),
    encryption_id: z.string().optional(),
    provider: z.string(),
    cipher: z.string().nullable().optional(),
    key_size: z.number().int().nullable().optional(),
    control_location: z.string().optional(),
  }),
  z.object({}).strict(),
]);

export const CinderServiceSchema = z.object({
  binary: z.string(),
  host: z.string(),
  zone: z.string().optional(),
  status: z.enum(['enabled', 'disabled']),
  state: z.enum(['up', 'down']),
  updated_at: z.string().nullable().optional(),
  disabled_reason: z.string().nullable().optional(),
  cluster: z.string().nullable().optional(),
});
export type CinderService = z.infer<typeof CinderServiceSchema>;

export const CinderServiceListSchema = z.object({ services: z.array(CinderServiceSchema) });
