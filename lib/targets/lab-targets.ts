import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { applyTargets, type ApplyResult } from './config-file';

/**
 * In lab mode `npm start` passes the lab's description in KEYWATCH_LAB_CONFIG; its vCenter, KMS
 * cluster and OpenStack cloud become targets (source "lab") so the demo polls them with no manual setup.
 * PEMs may be inline or in files; the shape is read leniently so lab changes do not break start.
 */

const labConfigSchema = z.object({
  vcenter: z.object({ url: z.string(), username: z.string(), password: z.string(), caPem: z.string().optional(), caFile: z.string().optional() }),
  kms: z
    .object({
      providerId: z.string().optional(),
      nodes: z.array(z.object({ host: z.string(), port: z.number().int() })).min(1),
      caPem: z.string().optional(),
      caFile: z.string().optional(),
      client: z.object({ certPem: z.string().optional(), keyPem: z.string().optional(), certFile: z.string().optional(), keyFile: z.string().optional() }).optional(),
    })
    .optional(),
  /** The lab OpenStack cloud (lab/openstack/lab-process.ts), when the lab runs one. */
  openstack: z
    .object({
      authUrl: z.string(),
      username: z.string(),
      password: z.string(),
      userDomain: z.string().default('Default'),
      projectName: z.string(),
      projectDomain: z.string().default('Default'),
      region: z.string().optional(),
      caPem: z.string().optional(),
      caFile: z.string().optional(),
    })
    .optional(),
});

function inlineOrFile(pem: string | undefined, file: string | undefined): string | undefined {
  if (pem) return pem;
  if (file) return readFileSync(file, 'utf8');
  return undefined;
}

export async function applyLabTargets(prisma: PrismaClient, box: SecretBox, labConfigJson: string): Promise<ApplyResult> {
  const lab = labConfigSchema.parse(JSON.parse(labConfigJson));
  const vcCa = inlineOrFile(lab.vcenter.caPem, lab.vcenter.caFile);
  const kmsCa = lab.kms ? inlineOrFile(lab.kms.caPem, lab.kms.caFile) : undefined;
  const cert = lab.kms?.client ? inlineOrFile(lab.kms.client.certPem, lab.kms.client.certFile) : undefined;
  const key = lab.kms?.client ? inlineOrFile(lab.kms.client.keyPem, lab.kms.client.keyFile) : undefined;
  const osCa = lab.openstack ? inlineOrFile(lab.openstack.caPem, lab.openstack.caFile) : undefined;
  const env = { KEYWATCH_LAB_VCENTER_PASSWORD: lab.vcenter.password, KEYWATCH_LAB_KMS_CLIENT_KEY: key, KEYWATCH_LAB_OPENSTACK_PASSWORD: lab.openstack?.password };
  return applyTargets(
    prisma,
    box,
    {
      prune: true,
      vcenters: [
        { name: 'lab-vcenter', url: lab.vcenter.url, username: lab.vcenter.username, password: { env: 'KEYWATCH_LAB_VCENTER_PASSWORD' }, ...(vcCa && { ca: { pem: vcCa } }) },
      ],
      kmsProviders:
        lab.kms && kmsCa
          ? [
              {
                name: lab.kms.providerId ?? 'lab-kms',
                nodes: lab.kms.nodes.map((n) => ({ host: n.host, port: n.port })),
                ca: { pem: kmsCa },
                ...(cert && key && { clientCert: { pem: cert }, clientKey: { env: 'KEYWATCH_LAB_KMS_CLIENT_KEY' } }),
              },
            ]
          : [],
      openstackClouds: lab.openstack
        ? [
            {
              name: 'lab-openstack',
              authUrl: lab.openstack.authUrl,
              username: lab.openstack.username,
              password: { env: 'KEYWATCH_LAB_OPENSTACK_PASSWORD' },
              userDomain: lab.openstack.userDomain,
              projectName: lab.openstack.projectName,
              projectDomain: lab.openstack.projectDomain,
              ...(lab.openstack.region && { region: lab.openstack.region }),
              interface: 'public' as const,
              ...(osCa && { ca: { pem: osCa } }),
            },
          ]
        : [],
    },
    { baseDir: process.cwd(), env, source: 'lab' },
  );
}
