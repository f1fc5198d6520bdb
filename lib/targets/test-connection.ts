import type { Db, PrismaClient } from '../db/client';
import { KmipClient } from '../kmip/client';
import type { SecretBox } from '../secrets/keyring';
import { VsphereClient } from '../vsphere/client';
import { OpenStackClient } from '../openstack/client';
import { openOpenstackCredentials } from './openstack-store';
import { openKmsClientCredentials, openVcenterCredentials } from './store';

/**
 * "Test connection" with the real clients: a vCenter login on both APIs, a KMIP version
 * negotiation with every KMS node over mutual TLS. The outcome is stored on the target
 * (`recordVcenterTest` / `recordKmsTest`, in the transaction that audits it) so the list shows
 * the last result. Messages come from the clients' typed errors and carry no secrets.
 */
export interface ConnectionTestResult {
  ok: boolean;
  message: string;
  details: { endpoint: string; ok: boolean; message: string; ms: number }[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function testVcenterConnection(prisma: PrismaClient, box: SecretBox, id: string, timeoutMs = 15_000): Promise<ConnectionTestResult> {
  const creds = await openVcenterCredentials(prisma, box, id);
  const started = Date.now();
  let result: ConnectionTestResult;
  let client: VsphereClient | undefined;
  try {
    client = new VsphereClient({ baseUrl: creds.url, username: creds.username, password: creds.password, caPem: creds.caPem ?? undefined, timeoutMs });
    await client.connect();
    const release = await client.release();
    const hosts = await client.listHosts();
    const message = `Signed in to ${creds.url} (API release ${release}); ${hosts.length} host(s) visible.`;
    result = { ok: true, message, details: [{ endpoint: creds.url, ok: true, message, ms: Date.now() - started }] };
  } catch (error) {
    const message = messageOf(error);
    result = { ok: false, message, details: [{ endpoint: creds.url, ok: false, message, ms: Date.now() - started }] };
  } finally {
    await client?.close().catch(() => undefined);
  }
  return result;
}

export async function recordVcenterTest(db: Db, id: string, result: ConnectionTestResult): Promise<void> {
  await db.vcenterTarget.update({ where: { id }, data: { lastTestAt: new Date(), lastTestOk: result.ok, lastTestMessage: result.message.slice(0, 1000) } });
}

export async function recordKmsTest(db: Db, id: string, result: ConnectionTestResult): Promise<void> {
  await db.kmsProvider.update({ where: { id }, data: { lastTestAt: new Date(), lastTestOk: result.ok, lastTestMessage: result.message.slice(0, 1000) } });
}

export async function testKmsConnection(prisma: PrismaClient, box: SecretBox, id: string): Promise<ConnectionTestResult> {
  const creds = await openKmsClientCredentials(prisma, box, id);
  let result: ConnectionTestResult;
  if (!creds.certPem || !creds.keyPem) {
    result = { ok: false, message: 'No client certificate yet: upload one (or the certificate signed from the CSR) before testing.', details: [] };
  } else {
    const details = await Promise.all(
      creds.nodes.map(async (node) => {
        const started = Date.now();
        const client = new KmipClient({ host: node.host, port: node.port, caPem: creds.caPem, certPem: creds.certPem!, keyPem: creds.keyPem!, poolSize: 1 });
        const endpoint = `${node.host}:${node.port}`;
        try {
          const version = await client.negotiatedVersion();
          return { endpoint, ok: true, message: `KMIP ${version.major}.${version.minor} over mutual TLS.`, ms: Date.now() - started };
        } catch (error) {
          return { endpoint, ok: false, message: messageOf(error), ms: Date.now() - started };
        } finally {
          client.close();
        }
      }),
    );
    const up = details.filter((d) => d.ok).length;
    result = {
      ok: up === details.length,
      message: up === details.length ? `All ${up} node(s) answered KMIP.` : `${up} of ${details.length} node(s) answered KMIP.`,
      details,
    };
  }
  return result;
}

/** Keystone login, both endpoints from the catalog, one cheap Barbican and Cinder call (lib/openstack). */
export async function testOpenstackConnection(prisma: PrismaClient, box: SecretBox, id: string, timeoutMs = 15_000): Promise<ConnectionTestResult> {
  const creds = await openOpenstackCredentials(prisma, box, id);
  const started = Date.now();
  let client: OpenStackClient | undefined;
  try {
    client = new OpenStackClient({ ...creds, timeoutMs });
    const t = await client.testConnection();
    const message = `Signed in to ${creds.authUrl} (project ${t.projectId ?? '?'}, roles ${t.roles.join(', ') || 'none'}); Barbican at ${t.keyManagerUrl} lists ${t.barbicanSecretsVisible} secret(s), Cinder at ${t.blockStorageUrl} ${t.cinderServices} service(s).`;
    return { ok: true, message, details: [{ endpoint: creds.authUrl, ok: true, message, ms: Date.now() - started }] };
  } catch (error) {
    const message = messageOf(error);
    return { ok: false, message, details: [{ endpoint: creds.authUrl, ok: false, message, ms: Date.now() - started }] };
  } finally {
    await client?.close().catch(() => undefined);
  }
}
