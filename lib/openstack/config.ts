/**
 * What Keywatch needs to know to watch one OpenStack cloud, checked with zod. TLS verification is
 * not configurable: a private CA is given as `caPem` instead.
 */
import { z } from 'zod';
import { InterfaceSchema } from './schemas';

/** Cinder microversion Keywatch asks for by default: the first that shows `encryption_key_id`. */
export const MIN_CINDER_MICROVERSION = '3.64';

export function parseMicroversion(value: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(value.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function compareMicroversions(a: string, b: string): number {
  const pa = parseMicroversion(a);
  const pb = parseMicroversion(b);
  if (!pa || !pb) throw new RangeError(`not a microversion: ${pa ? b : a}`);
  return pa[0] - pb[0] || pa[1] - pb[1];
}

export const OpenStackCloudConfigSchema = z
  .object({
    /** Label used in messages and logs (e.g. the target's name). */
    name: z.string().min(1).default('openstack'),
    /** Keystone URL, with or without the trailing `/v3`. */
    authUrl: z
      .string()
      .url()
      .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
    username: z.string().min(1),
    password: z.string().min(1),
    userDomainId: z.string().min(1).optional(),
    userDomainName: z.string().min(1).optional(),
    projectName: z.string().min(1).optional(),
    projectId: z.string().min(1).optional(),
    projectDomainId: z.string().min(1).optional(),
    projectDomainName: z.string().min(1).optional(),
    /** Region of the endpoints to use; unset = the first endpoint of the interface in any region. */
    region: z.string().min(1).optional(),
    interface: InterfaceSchema.default('public'),
    /** PEM bundle of CAs that signed the endpoints' certificates (instead of the system store). */
    caPem: z.string().optional(),
    timeoutMs: z.number().int().positive().default(30_000),
    /** Requests in flight per endpoint origin. */
    maxConcurrency: z.number().int().min(1).max(256).default(16),
    cinderMicroversion: z
      .string()
      .refine((v) => parseMicroversion(v) !== null && parseMicroversion(v)![0] === 3, 'must look like 3.NN')
      .refine((v) => parseMicroversion(v) === null || compareMicroversions(v, MIN_CINDER_MICROVERSION) >= 0, `must be ${MIN_CINDER_MICROVERSION} or later (earlier ones hide encryption_key_id)`)
      .default(MIN_CINDER_MICROVERSION),
    /** Renew the token this long before it expires (at most a quarter of its lifetime). */
    renewBeforeMs: z.number().int().min(0).default(300_000),
  })
  .refine((c) => c.projectName !== undefined || c.projectId !== undefined, { message: 'projectName or projectId is required', path: ['projectName'] });

export type OpenStackCloudConfigInput = z.input<typeof OpenStackCloudConfigSchema>;
export type OpenStackCloudConfig = z.output<typeof OpenStackCloudConfigSchema>;

/** `https://keystone:5000` or `…/identity` or `…/v3` → the v3 base URL without trailing slash. */
export function keystoneV3Url(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}
