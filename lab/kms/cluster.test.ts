import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, parseCertificateChain, type PemPair } from '@/lib/pki/certificates';
import { KmipClient, type KmipClientOptions } from '@/lib/kmip/client';
import { State } from '@/lib/kmip/enums';
import { KmipTransportError } from '@/lib/kmip/errors';
import { probeKmsNode } from '@/lib/kmip/probe';
import { defaultNodeAddress, LabKmsConfigError, startKmsCluster, type LabKmsCluster } from './cluster';

function clientFor(cluster: LabKmsCluster, nodeId: string, cert: PemPair, extra: Partial<KmipClientOptions> = {}): KmipClient {
  const node = cluster.nodes.find((n) => n.id === nodeId);
  if (!node) throw new Error(`no node ${nodeId}`);
  return new KmipClient({ host: node.host, port: node.port, caPem: cluster.caPem, certPem: cert.certPem, keyPem: cert.keyPem, ...extra });
}

async function transportFailure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KmipTransportError) return error.failure;
    throw error;
  }
  throw new Error('expected a transport failure');
}

/** IPv4 addresses with a listening TCP socket on `port`, as the kernel lists them (/proc/net/tcp, Linux). */
async function listeningAddresses(port: number): Promise<string[]> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const found: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (!local || state !== '0A') continue; // 0A = LISTEN
    const [hexAddress, hexPort] = local.split(':');
    if (Number.parseInt(hexPort!, 16) !== port) continue;
    // Little-endian hex: 0B00007F is 127.0.0.11.
    found.push(Buffer.from(hexAddress!, 'hex').reverse().join('.'));
  }
  return found;
}

async function stateOn(client: KmipClient, id: string): Promise<number | string> {
  const [outcome] = await client.getAttributes([id]);
  if (!outcome) throw new Error('no outcome');
  return outcome.ok ? (outcome.summary.state ?? 'no state') : (outcome.error.reasonName ?? 'error');
}

describe('lab KMS cluster against Keywatch’s KmipClient', () => {
  let cluster: LabKmsCluster;
  let cert: PemPair;
  const clients: KmipClient[] = [];
  const client = (nodeId: string, extra: Partial<KmipClientOptions> = {}) => {
    const c = clientFor(cluster, nodeId, cert, extra);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startKmsCluster({ nodeCount: 3 });
    cert = cluster.issueClientCertificate('keywatch');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const node of cluster.nodes) await cluster.faults.clear(node.id);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs three nodes on distinct loopback ports with CA-signed server certificates', () => {
    expect(cluster.nodes.map((n) => [n.id, n.host, n.status])).toEqual([
      ['kms-1', '127.0.0.11', 'up'],
      ['kms-2', '127.0.0.12', 'up'],
      ['kms-3', '127.0.0.13', 'up'],
    ]);
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
    expect(parseCertificateChain(cluster.caPem)[0]?.isCA).toBe(true);
  });

  it('binds each node on its own loopback address, named in its certificate, so clients verify it by IP', async () => {
    const addresses = cluster.nodes.map((n) => n.host);
    for (const node of cluster.nodes) {
      // The kernel's own table: the listening socket is on 127.0.0.x itself, not on 0.0.0.0 or 127.0.0.1.
      expect(await listeningAddresses(node.port)).toEqual([node.host]);
      // No servername: the client checks the certificate's IP subjectAltName against the address it dialled.
      const probe = await probeKmsNode({ host: node.host, port: node.port, caPem: cluster.caPem, certPem: cert.certPem, keyPem: cert.keyPem });
      expect(probe).toMatchObject({ reachable: true, healthy: true });
      expect(probe.serverCertificate?.sans).toContain(node.host);
      expect(probe.serverCertificate?.sans.filter((san) => addresses.includes(san))).toEqual([node.host]);
    }
    expect(cluster.state().nodes.map((n) => n.host)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13']);
  });

  it('a certificate expiring in N days still verifies, and the probe reads N days left; null brings the normal one back', async () => {
    const node = cluster.nodes[1]!;
    const target = { host: node.host, port: node.port, caPem: cluster.caPem, certPem: cert.certPem, keyPem: cert.keyPem };
    const session = client('kms-2');
    await session.discoverVersions();
    await cluster.faults.setCertificateExpiring('kms-2', 5);
    expect(cluster.nodes[1]?.status).toBe('expiring-certificate');
    expect(cluster.state().nodes[1]?.faults.certificateExpiresInDays).toBe(5);
    // A KMS restarts its listener on a new certificate: open sessions are cut.
    expect(['closed', 'reset']).toContain(await transportFailure(session.discoverVersions()));
    const expiring = await probeKmsNode(target);
    expect(expiring).toMatchObject({ reachable: true, healthy: true });
    expect(expiring.serverCertificate?.daysLeft).toBe(5);
    expect(expiring.serverCertificate?.sans).toContain(node.host);

    await cluster.faults.setCertificateExpiring('kms-2', 30);
    expect((await probeKmsNode(target)).serverCertificate?.daysLeft).toBe(30);
    await cluster.faults.setCertificateExpiring('kms-2', null);
    expect(cluster.nodes[1]?.status).toBe('up');
    expect((await probeKmsNode(target)).serverCertificate?.daysLeft).toBeGreaterThan(300);

    await cluster.faults.setCertificateExpiring('kms-2', 2);
    await cluster.faults.clear('kms-2');
    expect((await probeKmsNode(target)).serverCertificate?.daysLeft).toBeGreaterThan(300);
    await expect(cluster.faults.setCertificateExpiring('kms-2', -1)).rejects.toThrow(LabKmsConfigError);
  });

  it('accepts a Keywatch client certificate near its expiry, and the probe reads its days left', async () => {
    const nearExpiry = cluster.issueClientCertificate('keywatch', { expiresInDays: 3 });
    const node = cluster.nodes[0]!;
    const probe = await probeKmsNode({ host: node.host, port: node.port, caPem: cluster.caPem, certPem: nearExpiry.certPem, keyPem: nearExpiry.keyPem });
    expect(probe).toMatchObject({ reachable: true, healthy: true });
    expect(probe.clientCertificate?.daysLeft).toBe(3);
    expect(probe.clientCertificate?.subject).toMatch(/CN=keywatch/);
    expect(() => cluster.issueClientCertificate('keywatch', { expiresInDays: -2 })).toThrow(/-2 days/);
  });

  it('replication lag set at run time: a key created on one node appears on the others only after the lag', async () => {
    try {
      await cluster.faults.setReplicationLag(400);
      expect(cluster.state().replicationLagMs).toBe(400);
      const created = performance.now();
      const id = await client('kms-1').create({ name: 'lagged' });
      expect(await stateOn(client('kms-2'), id)).toBe('ItemNotFound');
      expect(await stateOn(client('kms-3'), id)).toBe('ItemNotFound');
      expect(cluster.state().pendingReplications).toBe(2);
      let seenAfter = -1;
      while (performance.now() - created < 3000) {
        if ((await stateOn(client('kms-2'), id)) === State.PreActive) {
          seenAfter = performance.now() - created;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(seenAfter).toBeGreaterThanOrEqual(390);
      expect(await stateOn(client('kms-3'), id)).toBe(State.PreActive);
      await expect(cluster.faults.setReplicationLag(-5)).rejects.toThrow(LabKmsConfigError);
    } finally {
      await cluster.faults.setReplicationLag(0);
    }
  });

  it('changing the lag re-times the copies in flight: back to 0, the nodes catch up at once and in order', async () => {
    try {
      await cluster.faults.setReplicationLag(60_000);
      const c = client('kms-1');
      const id = await c.create({ name: 'backlog' }); // Pre-Active, on its way to the others for a minute
      await c.activate(id); // then Active, likewise
      expect(await stateOn(client('kms-2'), id)).toBe('ItemNotFound');
      expect(cluster.state().pendingReplications).toBe(4);
      await cluster.faults.setReplicationLag(0);
      expect(cluster.state().pendingReplications).toBe(0);
      // Delivered in the order sent: the later Active is what the nodes keep.
      expect(await stateOn(client('kms-2'), id)).toBe(State.Active);
      expect(await stateOn(client('kms-3'), id)).toBe(State.Active);
    } finally {
      await cluster.faults.setReplicationLag(0);
    }
  });

  it('negotiates KMIP 1.4 and answers Query with its server information', async () => {
    const c = client('kms-1');
    expect(await c.negotiatedVersion()).toEqual({ major: 1, minor: 4 });
    const query = await c.query();
    expect(query.vendorIdentification).toBe('Keywatch Lab KMS');
    expect(query.serverInformation?.ServerName).toBe('kms-1');
  });

  it('replicates keys created over KMIP on one node to the others', async () => {
    const id = await client('kms-2').create({ name: 'replicated' });
    await client('kms-2').activate(id);
    for (const nodeId of ['kms-1', 'kms-2', 'kms-3']) expect(await stateOn(client(nodeId), id)).toBe(State.Active);
    const located = await client('kms-3').locate({ attributes: [] });
    expect(located.uniqueIdentifiers).toContain(id);
  });

  it('checks 300 keys (active, pre-active, missing) in one round trip', async () => {
    const active = await Promise.all(Array.from({ length: 100 }, (_, i) => cluster.createKey(`bulk-${i}`)));
    const creator = client('kms-1');
    const preActive: string[] = [];
    for (let i = 0; i < 100; i++) preActive.push(await creator.create());
    const missing = Array.from({ length: 100 }, (_, i) => `missing-${i}`);
    const c = client('kms-3');
    await c.negotiatedVersion();
    const before = c.messagesSent;
    const outcomes = await c.getAttributes([...active, ...preActive, ...missing]);
    expect(c.messagesSent - before).toBe(1);
    expect(outcomes.slice(0, 100).every((o) => o.ok && o.summary.state === State.Active)).toBe(true);
    expect(outcomes.slice(100, 200).every((o) => o.ok && o.summary.state === State.PreActive)).toBe(true);
    expect(outcomes.slice(200).every((o) => !o.ok && o.error.reasonName === 'ItemNotFound')).toBe(true);
  });

  it('a key deleted on one node is missing there only (replication gap)', async () => {
    const id = await cluster.createKey('gap');
    expect(await cluster.faults.deleteKeyOnNode('kms-2', id)).toBe(true);
    expect(await stateOn(client('kms-2'), id)).toBe('ItemNotFound');
    expect(await stateOn(client('kms-1'), id)).toBe(State.Active);
    expect(await stateOn(client('kms-3'), id)).toBe(State.Active);
    const truth = cluster.state();
    expect(truth.nodes.map((n) => n.keys.some((k) => k.id === id))).toEqual([true, false, true]);
    expect(truth.nodes[0]?.keys.find((k) => k.id === id)).toEqual({ id, state: 'Active', names: ['gap'] });
  });

  it('a node that is down refuses connections, and serves again when back', async () => {
    await cluster.faults.setNodeDown('kms-1', true);
    expect(cluster.nodes[0]?.status).toBe('down');
    expect(await transportFailure(client('kms-1').discoverVersions())).toBe('refused');
    await cluster.faults.setNodeDown('kms-1', false);
    expect((await client('kms-1').discoverVersions()).length).toBeGreaterThan(0);
  });

  it('a node that goes down cuts open sessions', async () => {
    const c = client('kms-2');
    await c.discoverVersions();
    await cluster.faults.setNodeDown('kms-2', true);
    const failure = await transportFailure(c.discoverVersions());
    expect(['refused', 'closed', 'reset']).toContain(failure);
  });

  it('a black hole accepts TCP but never completes TLS; an open session gets no answer', async () => {
    const session = client('kms-3', { timeouts: { responseMs: 400 } });
    await session.discoverVersions();
    await cluster.faults.setBlackHole('kms-3', true);
    expect(cluster.nodes[2]?.status).toBe('black-hole');

    // TCP still connects: this is what makes a black hole worse than a down node.
    const node = cluster.nodes[2]!;
    const socket = net.connect(node.port, node.host);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();

    const started = Date.now();
    expect(await transportFailure(client('kms-3', { timeouts: { handshakeMs: 400 } }).discoverVersions())).toBe('handshake-timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await transportFailure(session.discoverVersions())).toBe('response-timeout');
  });

  it('a black hole in kmip mode completes TLS and then never answers', async () => {
    await cluster.faults.setBlackHole('kms-1', true, 'kmip');
    expect(cluster.state().nodes[0]?.faults).toMatchObject({ blackHole: true, blackHoleMode: 'kmip' });
    expect(await transportFailure(client('kms-1', { timeouts: { responseMs: 400 } }).discoverVersions())).toBe('response-timeout');
  });

  it('a slow node answers late', async () => {
    const c = client('kms-1');
    await c.discoverVersions();
    await cluster.faults.setSlow('kms-1', 300);
    expect(cluster.nodes[0]?.status).toBe('slow');
    const started = performance.now();
    await c.discoverVersions();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a node with an expired certificate fails the handshake as expired; clear() restores the valid one', async () => {
    await cluster.faults.setExpiredCertificate('kms-2', true);
    expect(cluster.nodes[1]?.status).toBe('expired-certificate');
    expect(await transportFailure(client('kms-2').discoverVersions())).toBe('server-cert-expired');

    const node = cluster.nodes[1]!;
    const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: node.host, port: node.port, rejectUnauthorized: false, cert: cert.certPem, key: cert.keyPem }, () => {
        resolve(s.getPeerCertificate());
        s.destroy();
      });
      s.once('error', reject);
    });
    expect(new Date(peer.valid_to).getTime()).toBeLessThan(Date.now());

    await cluster.faults.clear('kms-2');
    expect((await client('kms-2').discoverVersions()).length).toBeGreaterThan(0);
  });

  it('rejects clients without a certificate or with one from another CA', async () => {
    const node = cluster.nodes[0]!;
    const anonymous = new KmipClient({ host: node.host, port: node.port, caPem: cluster.caPem });
    clients.push(anonymous);
    expect(await transportFailure(anonymous.discoverVersions())).toBe('client-cert-rejected');
    const stranger = issueCertificate(createCertificateAuthority({ commonName: 'Elsewhere CA' }), { commonName: 'keywatch', kind: 'client' });
    expect(await transportFailure(clientFor(cluster, 'kms-1', stranger).discoverVersions())).toBe('client-cert-rejected');
  });

  it('moves a node to another port: the old port refuses, the new one serves the same keys', async () => {
    const id = await cluster.createKey('port-move');
    const oldPort = cluster.nodes[2]!.port;
    const newPort = await cluster.faults.setPort('kms-3', 0);
    expect(newPort).not.toBe(oldPort);
    expect(cluster.nodes[2]?.port).toBe(newPort);
    const stale = new KmipClient({ host: cluster.nodes[2]!.host, port: oldPort, caPem: cluster.caPem, certPem: cert.certPem, keyPem: cert.keyPem });
    clients.push(stale);
    expect(await transportFailure(stale.discoverVersions())).toBe('refused');
    expect(await stateOn(client('kms-3'), id)).toBe(State.Active);
    await expect(cluster.faults.setPort('kms-3', 70000)).rejects.toThrow(LabKmsConfigError);
  });

  it('names unknown nodes in its errors', async () => {
    await expect(cluster.faults.setNodeDown('kms-9', true)).rejects.toThrow(/no lab KMS node "kms-9".*kms-1, kms-2, kms-3/);
  });
});

describe('lab KMS cluster options, lag and persistence', () => {
  it('replicates after the configured lag', async () => {
    const cluster = await startKmsCluster({ nodeCount: 2, replicationLagMs: 300 });
    try {
      const cert = cluster.issueClientCertificate('keywatch');
      const id = await cluster.createKey('lagging');
      expect(cluster.state().pendingReplications).toBe(1);
      const second = clientFor(cluster, 'kms-2', cert);
      expect(await stateOn(second, id)).toBe('ItemNotFound');
      await new Promise((r) => setTimeout(r, 400));
      expect(await stateOn(second, id)).toBe(State.Active);
      expect(cluster.state().pendingReplications).toBe(0);
      second.close();
    } finally {
      await cluster.stop();
    }
  });

  it('keeps keys across restarts when given a data directory, and reuses a given CA', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keywatch-labkms-'));
    const ca = createCertificateAuthority({ commonName: 'Persistent Lab CA' });
    try {
      const first = await startKmsCluster({ nodeCount: 2, dataDir, tls: { ca } });
      const id = await first.createKey('durable');
      await first.stop();
      const second = await startKmsCluster({ nodeCount: 2, dataDir, tls: { ca } });
      try {
        expect(second.caPem).toBe(ca.certPem);
        expect(second.state().nodes.map((n) => n.keys.map((k) => k.id))).toEqual([[id], [id]]);
        const c = clientFor(second, 'kms-2', second.issueClientCertificate('keywatch'));
        expect(await stateOn(c, id)).toBe(State.Active);
        c.close();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('puts every node on one address when given host, or on the addresses given with hosts', async () => {
    const shared = await startKmsCluster({ nodeCount: 2, host: '127.0.0.1' });
    try {
      expect(shared.nodes.map((n) => n.host)).toEqual(['127.0.0.1', '127.0.0.1']);
      const c = clientFor(shared, 'kms-2', shared.issueClientCertificate('keywatch'));
      expect((await c.discoverVersions()).length).toBeGreaterThan(0);
      c.close();
    } finally {
      await shared.stop();
    }
    const chosen = await startKmsCluster({ nodeCount: 2, hosts: ['127.0.0.41', '127.0.0.42'] });
    try {
      expect(chosen.nodes.map((n) => n.host)).toEqual(['127.0.0.41', '127.0.0.42']);
      expect(await listeningAddresses(chosen.nodes[1]!.port)).toEqual(['127.0.0.42']);
    } finally {
      await chosen.stop();
    }
  });

  it('rejects bad options and busy ports with one clear error', async () => {
    await expect(startKmsCluster({ nodeCount: 0 })).rejects.toThrow(LabKmsConfigError);
    await expect(startKmsCluster({ nodeCount: 2, ports: [0] })).rejects.toThrow(/2 ports|1 ports for 2/);
    await expect(startKmsCluster({ nodeCount: 2, hosts: ['127.0.0.41'] })).rejects.toThrow('Got 1 addresses for 2 lab KMS nodes; give one per node.');
    await expect(startKmsCluster({ nodeCount: 1, host: '127.0.0.1', hosts: ['127.0.0.41'] })).rejects.toThrow(/either host .* or hosts/);
    await expect(startKmsCluster({ nodeCount: 1, replicationLagMs: -1 })).rejects.toThrow(LabKmsConfigError);
    // Node 1 listens on its own address by default: that is where a busy port collides.
    const blocker = net.createServer().listen(0, defaultNodeAddress(0));
    await new Promise((r) => blocker.once('listening', r));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startKmsCluster({ nodeCount: 1, ports: [busy] })).rejects.toThrow(/could not start.*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
