import { z } from 'zod';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;

export const targetName = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._ -]*$/, 'may contain letters, digits, space, dot, dash and underscore');

const certPem = z.string().max(64 * 1024).regex(PEM_CERT, 'must contain a PEM certificate (-----BEGIN CERTIFICATE-----)');
const keyPem = z.string().max(32 * 1024).regex(PEM_KEY, 'must be an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)');

export const vcenterInputSchema = z.object({
  name: targetName,
  url: z
    .url('must be a URL')
    .max(500)
    .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
  username: z.string().trim().min(1, 'is required').max(200),
  password: z.string().min(1, 'is required').max(1024),
  caPem: certPem.optional().nullable(),
});
export type VcenterInput = z.infer<typeof vcenterInputSchema>;

/** Edits: every field optional; an omitted password keeps the stored one. */
export const vcenterUpdateSchema = vcenterInputSchema.partial();
export type VcenterUpdate = z.infer<typeof vcenterUpdateSchema>;

export const kmsNodeSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
  port: z.coerce.number().int('must be a whole number').min(1).max(65535).default(5696),
});

/**
 * vCenter's id of the key provider (KmipClusterInfo.clusterId.id, e.g. "kms-prod"). Empty or
 * absent: the provider's name is the id, which is how most people register it in vCenter.
 */
export const keyProviderIdSchema = z
  .string()
  .trim()
  .max(200, 'must be at most 200 characters')
  .transform((v) => (v === '' ? null : v))
  .nullable();

export const kmsProviderInputSchema = z
  .object({
    name: targetName,
    keyProviderId: keyProviderIdSchema.optional(),
    nodes: z.array(kmsNodeSchema).min(1, 'needs at least one node').max(32),
    caPem: certPem,
    clientCertPem: certPem.optional().nullable(),
    clientKeyPem: keyPem.optional().nullable(),
  })
  .refine((v) => Boolean(v.clientCertPem) === Boolean(v.clientKeyPem), {
    message: 'give both the client certificate and its private key, or neither (and generate a CSR)',
    path: ['clientKeyPem'],
  });
export type KmsProviderInput = z.infer<typeof kmsProviderInputSchema>;

export const kmsProviderUpdateSchema = z.object({
  name: targetName.optional(),
  keyProviderId: keyProviderIdSchema.optional(),
  nodes: z.array(kmsNodeSchema).min(1, 'needs at least one node').max(32).optional(),
  caPem: certPem.optional(),
  /** Upload a certificate alone to complete a pending CSR (the key is already stored). */
  clientCertPem: certPem.optional().nullable(),
  clientKeyPem: keyPem.optional().nullable(),
});
export type KmsProviderUpdate = z.infer<typeof kmsProviderUpdateSchema>;

const openstackName = z.string().trim().min(1, 'is required').max(255);
const httpsUrl = z
  .url('must be a URL')
  .max(500)
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL');
/** Empty = any region (the first endpoint of the interface). */
const openstackRegion = z
  .string()
  .trim()
  .max(255)
  .transform((v) => (v === '' ? null : v))
  .nullable();
export const openstackInterfaceSchema = z.enum(['public', 'internal', 'admin'], { message: 'must be public, internal or admin' });

/** Every field of an OpenStack cloud target, none defaulted (edits leave omitted fields as they are). */
const openstackFields = {
  name: targetName,
  /** Keystone, with or without /v3. */
  authUrl: httpsUrl,
  username: z.string().trim().min(1, 'is required').max(255),
  password: z.string().min(1, 'is required').max(1024),
  userDomain: openstackName,
  projectName: openstackName,
  projectDomain: openstackName,
  region: openstackRegion,
  interface: openstackInterfaceSchema,
  caPem: certPem.nullable(),
};

export const openstackCloudInputSchema = z.object({
  ...openstackFields,
  userDomain: openstackName.default('Default'),
  projectDomain: openstackName.default('Default'),
  region: openstackRegion.optional(),
  interface: openstackInterfaceSchema.default('public'),
  caPem: certPem.optional().nullable(),
});
export type OpenstackCloudInput = z.infer<typeof openstackCloudInputSchema>;

/** Edits: every field optional; an omitted password keeps the stored one. */
export const openstackCloudUpdateSchema = z.object(openstackFields).partial();
export type OpenstackCloudUpdate = z.infer<typeof openstackCloudUpdateSchema>;

export const csrRequestSchema = z.object({
  commonName: z.string().trim().min(1).max(64).default('keywatch'),
  organization: z.string().trim().min(1).max(64).optional(),
});

/**
 * KEYWATCH_TARGETS_FILE (GitOps): JSON. Secrets come from files or environment variables, never
 * inline, so the file itself can live in git.
 */
const secretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name') }),
  z.object({ file: z.string().min(1) }),
]);
const pemRef = z.union([z.object({ file: z.string().min(1) }), z.object({ pem: z.string().min(1) })]);

export const targetsFileSchema = z.object({
  vcenters: z
    .array(
      z.object({
        name: targetName,
        url: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
        username: z.string().min(1),
        password: secretRef,
        ca: pemRef.optional(),
      }),
    )
    .default([]),
  kmsProviders: z
    .array(
      z.object({
        name: targetName,
        keyProviderId: keyProviderIdSchema.optional(),
        nodes: z.array(kmsNodeSchema).min(1),
        ca: pemRef,
        clientCert: pemRef.optional(),
        clientKey: secretRef.optional(),
      }),
    )
    .default([]),
  openstackClouds: z
    .array(
      z.object({
        name: targetName,
        authUrl: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
        username: z.string().min(1),
        password: secretRef,
        userDomain: z.string().min(1).default('Default'),
        projectName: z.string().min(1),
        projectDomain: z.string().min(1).default('Default'),
        region: z.string().min(1).optional(),
        interface: openstackInterfaceSchema.default('public'),
        ca: pemRef.optional(),
      }),
    )
    .default([]),
  /** true: targets from an earlier version of the file that are gone now are removed. */
  prune: z.boolean().default(true),
});
export type TargetsFile = z.infer<typeof targetsFileSchema>;
