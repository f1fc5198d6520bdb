/**
 * The lab cloud as `npm run lab` / `npm start` run it beside the lab vCenter and KMS: its ports and
 * TLS certificate are kept in the lab's data directory, so a restarted lab comes back where the
 * registered target expects it, and its CA goes to a file. `describeOpenStackLab` is what the lab's
 * READY line carries for lib/targets/lab-targets.ts (the watcher's credentials are the lab's own,
 * deterministic for the seed).
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { createCertificateAuthority, issueCertificate } from '@/lib/pki/certificates';
import { startOpenStackLab, type OpenStackLab } from './server';

const savedSchema = z.object({
  ports: z.object({ keystone: z.number().int(), barbican: z.number().int(), cinder: z.number().int() }),
  tls: z.object({ certPem: z.string(), keyPem: z.string(), caPem: z.string() }),
});

async function readSaved(file: string): Promise<z.infer<typeof savedSchema> | null> {
  try {
    return savedSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

function newTls(host: string) {
  const ca = createCertificateAuthority({ commonName: 'Keywatch lab OpenStack CA' });
  const leaf = issueCertificate(ca, { commonName: host, kind: 'server', sans: [...new Set([host, '127.0.0.1', 'localhost'])] });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem };
}

export interface LabOpenStackProcess {
  lab: OpenStackLab;
  caFile: string;
  /** describeOpenStackLab as JSON (0600), for the faults of scripts and e2e tests. */
  labFile: string;
  stop(): Promise<void>;
}

export async function startLabOpenStack(options: { dir: string; host: string; persistent: boolean; seed?: number }): Promise<LabOpenStackProcess> {
  const savedFile = path.join(options.dir, 'lab-openstack-state.json');
  const saved = options.persistent ? await readSaved(savedFile) : null;
  const tls = saved?.tls ?? newTls(options.host);
  const start = (ports?: z.infer<typeof savedSchema>['ports']) => startOpenStackLab({ host: options.host, tls, estate: { seed: options.seed ?? 1 }, ...(ports && { ports }) });
  // The saved ports may have been taken meanwhile: then new ones (bootstrap registers them at the next start).
  const lab = saved ? await start(saved.ports).catch(() => start()) : await start();
  const caFile = path.join(options.dir, 'openstack-ca.pem');
  await writeFile(caFile, lab.caPem);
  if (options.persistent) {
    const port = (url: string) => Number(new URL(url).port);
    await writeFile(savedFile, JSON.stringify({ ports: { keystone: port(lab.urls.keystone), barbican: port(lab.urls.barbican), cinder: port(lab.urls.cinder) }, tls }), { mode: 0o600 });
    await chmod(savedFile, 0o600);
  }
  const labFile = path.join(options.dir, 'lab-openstack.json');
  const p: LabOpenStackProcess = { lab, caFile, labFile, stop: () => lab.stop() };
  await writeFile(labFile, `${JSON.stringify(describeOpenStackLab(p), null, 2)}\n`, { mode: 0o600 });
  await chmod(labFile, 0o600);
  return p;
}

/** The lab cloud as Keywatch registers it (lib/targets/lab-targets.ts); the lab routes' admin for the faults. */
export function describeOpenStackLab(p: Pick<LabOpenStackProcess, 'lab' | 'caFile'>) {
  const w = p.lab.watcher;
  return {
    authUrl: w.authUrl,
    username: w.username,
    password: w.password,
    userDomain: 'Default',
    projectName: w.projectName,
    projectDomain: 'Default',
    region: w.region,
    caFile: p.caFile,
    /** Where POST /lab/faults and GET /lab/state answer (HTTP Basic with labAdmin). */
    labUrl: p.lab.urls.keystone,
    labAdmin: { username: p.lab.admin.username, password: p.lab.admin.password },
  };
}
