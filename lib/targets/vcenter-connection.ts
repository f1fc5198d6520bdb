/**
 * The one way to reach a stored vCenter target: its decrypted connection (URL, user, password, CA)
 * and a vSphere client built from it. The gate, the rolling plan and the lab controls open their
 * connections here, so TLS verification and credentials are handled the same everywhere.
 */
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { VsphereClient } from '../vsphere/client';
import { openVcenterCredentials } from './store';

export interface VcenterConnection {
  url: string;
  username: string;
  password: string;
  /** The vCenter's CA; verification is always on (null: the system trust store). */
  caPem: string | null;
}

/** Decrypted connection facts of one stored vCenter target. Never serialize. */
export async function openVcenterConnection(prisma: PrismaClient, box: SecretBox, vcenterId: string): Promise<VcenterConnection> {
  const creds = await openVcenterCredentials(prisma, box, vcenterId);
  return { url: creds.url, username: creds.username, password: creds.password, caPem: creds.caPem };
}

/** A vSphere client for one stored vCenter target (the caller closes it). */
export async function openVsphereClient(prisma: PrismaClient, box: SecretBox, vcenterId: string, timeoutMs = 10_000): Promise<VsphereClient> {
  const c = await openVcenterConnection(prisma, box, vcenterId);
  return new VsphereClient({ baseUrl: c.url, username: c.username, password: c.password, caPem: c.caPem ?? undefined, timeoutMs });
}
