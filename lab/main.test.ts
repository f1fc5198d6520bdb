import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import { KmipClient } from '@/lib/kmip/client';
import { probeKmsNode } from '@/lib/kmip/probe';
import { VsphereClient } from '@/lib/vsphere/client';
import { z } from 'zod';
import { parseLabArgs, startLab } from './main';

describe('parseLabArgs', () => {
  it('parses sizes, flags and inline values', () => {
    const args = parseLabArgs(['--hosts', '10', '--seed=5', '--kms-self-hosted', '--data-dir', '.data/lab', '--key-retry-ms', '500', '--kms-replication-lag-ms=250']);
    expect(args).toMatchObject({ hosts: 10, seed: 5, 'kms-self-hosted': true, 'data-dir': '.data/lab', 'hosts-per-cluster': 4, 'key-retry-ms': 500, 'kms-replication-lag-ms': 250 });
  });

  it('rejects unknown options and bad values with one sentence', () => {
    expect(() => parseLabArgs(['--nope', '1'])).toThrow('Unknown option --nope.');
    expect(() => parseLabArgs(['--hosts', 'many'])).toThrow(/--hosts/);
    expect(() => parseLabArgs(['--port'])).toThrow('--port needs a value.');
  });

  it('parses the KMS addresses, replication lag and client certificate lifetime', () => {
    expect(parseLabArgs(['--kms-hosts', '127.0.0.21, 127.0.0.22', '--kms-replication-lag-ms', '250', '--client-cert-days', '7'])).toMatchObject({
      'kms-hosts': ['127.0.0.21', '127.0.0.22'],
      'kms-replication-lag-ms': 250,
      'client-cert-days': 7,
    });
    expect(() => parseLabArgs(['--kms-hosts', 'kms.example'])).toThrow(/--kms-hosts/);
    expect(() => parseLabArgs(['--kms-replication-lag-ms', '-1'])).toThrow(/--kms-replication-lag-ms/);
    expect(() => parseLabArgs(['--client-cert-days', 'soon'])).toThrow(/--client-cert-days/);
  });
});

describe('startLab', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts KMS + vCenter, writes usable cert files, and comes back the same from its data dir', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'keywatch-lab-test-'));
    dirs.push(dir);
    const estate = { seed: 3, clusters: 1, hostsPerCluster: 2, vmsPerHost: 2 };
    const first = await startLab({ dataDir: dir, estate });
    let firstPort: number;
    let firstPassword: string;
    let kek: string;
    try {
      expect((await stat(first.files.kmsClientKeyFile)).mode & 0o777).toBe(0o600);
      const client = new VsphereClient({ baseUrl: first.vcenter.url, username: first.vcenter.username, password: first.vcenter.password, caPem: await readFile(first.vcenter.caFile, 'utf8') });
      expect(await client.listHosts()).toHaveLength(2);
      await client.close();
      // Keywatch's KMS client files work against the lab KMS over real KMIP.
      kek = first.vcenterServer.estate.keys.find((k) => k.purpose === 'vsan-kek')!.keyId;
      const node = first.kms.nodes[0]!;
      const kmip = new KmipClient({
        host: node.host,
        port: node.port,
        caPem: await readFile(first.kms.caFile, 'utf8'),
        certPem: await readFile(first.kms.client.certFile, 'utf8'),
        keyPem: await readFile(first.kms.client.keyFile, 'utf8'),
      });
      const [attrs] = await kmip.getAttributes([kek]);
      kmip.close();
      expect(attrs?.ok).toBe(true);
      firstPort = first.vcenterServer.port;
      firstPassword = first.vcenter.password;
    } finally {
      await first.stop();
    }
    const second = await startLab({ dataDir: dir, estate });
    try {
      expect(second.vcenter.password).toBe(firstPassword);
      expect(second.vcenterServer.port).toBe(firstPort);
      expect(second.vcenterServer.estate.keys.find((k) => k.purpose === 'vsan-kek')!.keyId).toBe(kek);
    } finally {
      await second.stop();
    }
  });

  it('describes each KMS node at its own address (lab.json, GET /lab/state), with the client certificate lifetime and replication lag asked for', async () => {
    const lab = await startLab({ estate: { clusters: 1, hostsPerCluster: 1, vmsPerHost: 1 }, clientCertDays: 7, kmsReplicationLagMs: 250 });
    const dispatcher = new Agent({ connect: { ca: lab.vcenter.caPem } });
    try {
      const addresses = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
      expect(lab.kms.nodes.map((n) => n.host)).toEqual(addresses);
      const labFile = JSON.parse(await readFile(lab.files.labFile, 'utf8')) as { kms: { nodes: { host: string }[] } };
      expect(labFile.kms.nodes.map((n) => n.host)).toEqual(addresses);

      const res = await fetch(new URL('/lab/state?vms=false', lab.vcenter.url), {
        dispatcher,
        headers: { authorization: `Basic ${Buffer.from(`${lab.vcenter.username}:${lab.vcenter.password}`).toString('base64')}` },
      });
      expect(res.status).toBe(200);
      const state = z
        .object({ kms: z.object({ replicationLagMs: z.number(), nodes: z.array(z.object({ id: z.string(), host: z.string(), port: z.number() })) }) })
        .parse(await res.json());
      expect(state.kms.nodes.map((n) => n.host)).toEqual(addresses);
      expect(state.kms.replicationLagMs).toBe(250);

      // Keywatch's client certificate, as written for it, works and reads 7 days left.
      const node = lab.kms.nodes[0]!;
      const probe = await probeKmsNode({
        host: node.host,
        port: node.port,
        caPem: await readFile(lab.files.kmsCaFile, 'utf8'),
        certPem: await readFile(lab.files.kmsClientCertFile, 'utf8'),
        keyPem: await readFile(lab.files.kmsClientKeyFile, 'utf8'),
      });
      expect(probe).toMatchObject({ reachable: true, healthy: true });
      expect(probe.clientCertificate?.daysLeft).toBe(7);

      // The KMS-side knobs are reachable through the vCenter's fault API, as every other fault.
      const fault = (body: unknown) =>
        fetch(new URL('/lab/faults', lab.vcenter.url), {
          method: 'POST',
          dispatcher,
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${lab.vcenter.username}:${lab.vcenter.password}`).toString('base64')}`,
          },
          body: JSON.stringify(body),
        });
      expect((await fault({ type: 'kms-node-certificate-expiring', node: 'kms-1', days: 5 })).status).toBe(200);
      const expiring = await probeKmsNode({
        host: node.host,
        port: node.port,
        caPem: await readFile(lab.files.kmsCaFile, 'utf8'),
        certPem: await readFile(lab.files.kmsClientCertFile, 'utf8'),
        keyPem: await readFile(lab.files.kmsClientKeyFile, 'utf8'),
      });
      expect(expiring.serverCertificate?.daysLeft).toBe(5);
      expect((await fault({ type: 'kms-replication-lag', ms: 900 })).status).toBe(200);
      expect(lab.kmsCluster.state().replicationLagMs).toBe(900);
      expect((await fault({ type: 'kms-replication-lag', ms: -1 })).status).toBe(400);
    } finally {
      await dispatcher.close();
      await lab.stop();
    }
  });

  it('cleans its temporary directory when started without a data dir', async () => {
    const lab = await startLab({ estate: { clusters: 1, hostsPerCluster: 1, vmsPerHost: 1 }, kmsReplicationLagMs: 250 });
    expect(lab.kmsCluster.state().replicationLagMs).toBe(250);
    const dir = lab.files.dir;
    expect((await stat(lab.files.labFile)).isFile()).toBe(true);
    await lab.stop();
    await expect(stat(dir)).rejects.toThrow();
  });
});

describe('npm run lab (the CLI)', () => {
  it('prints the READY line npm start waits for, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'main.ts'), '--ready-line', '--clusters', '1', '--hosts-per-cluster', '1'], {
      cwd: path.join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const ready = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no READY line within 60 s')), 60_000);
        lines.on('line', (line) => {
          if (line.startsWith('READY ')) {
            clearTimeout(timer);
            resolve(line.slice('READY '.length));
          }
        });
        child.once('exit', (code) => reject(new Error(`lab exited early with ${code}`)));
      });
      const described = z
        .object({
          vcenter: z.object({ url: z.string().startsWith('https://'), username: z.string(), password: z.string(), caFile: z.string() }),
          kms: z.object({
            providerId: z.literal('lab-kms'),
            nodes: z.array(z.object({ id: z.string(), host: z.string(), port: z.number().int() })).length(3),
            caFile: z.string(),
            client: z.object({ certFile: z.string(), keyFile: z.string() }),
          }),
        })
        .parse(JSON.parse(ready));
      expect((await stat(described.kms.client.keyFile)).isFile()).toBe(true);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      await expect(stat(described.kms.caFile)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
