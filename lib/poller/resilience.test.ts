/**
 * The poller under trouble, against the real lab and PostgreSQL: bad targets (garbage answers,
 * TLS failure, a vCenter timing out halfway, a KMS node answering a non-KMIP frame), two workers
 * side by side, a worker SIGKILLed in the middle of its transaction, a database that goes away,
 * and targets added or removed while the worker runs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../config/env';
import { createPrismaClient } from '../db/client';
import { createCertificateAuthority, issueCertificate } from '../pki/certificates';
import { startReplayServer, type ReplayServer } from '../vsphere/testing/replay-server';
import { createKmsProvider, createVcenter, deleteKmsProvider } from '../targets/store';
import { startWorkerJobs } from '../worker/scheduler';
import { pollKmsProvidersJob } from '../worker/jobs/poll-kms-providers';
import { pollVcentersJob } from '../worker/jobs/poll-vcenters';
import { evaluateAlertsJob } from '../worker/jobs/evaluate-alerts';
import { pollDue } from './due-targets';
import { syncPollStates } from './leases';
import { compareWithLab } from './testing/lab-compare';
import { captureLogger, startPollHarness, type PollHarness } from './testing/harness';

const REPO = path.resolve(import.meta.dirname, '../..');

/** A TLS server that completes the handshake and answers every request with an HTTP error page. */
async function startNonKmipServer(): Promise<{ host: string; port: number; caPem: string; certPem: string; keyPem: string; close(): void }> {
  const ca = createCertificateAuthority({ commonName: 'not-a-KMS CA' });
  const server = issueCertificate(ca, { commonName: 'not-kms', kind: 'server', sans: ['127.0.0.1'] });
  const client = issueCertificate(ca, { commonName: 'keywatch', kind: 'client' });
  const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
    socket.on('error', () => undefined);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port, caPem: ca.certPem, certPem: client.certPem, keyPem: client.keyPem, close: () => srv.close() };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('poller under trouble', () => {
  let h: PollHarness;
  let replay: ReplayServer;
  let notKms: Awaited<ReturnType<typeof startNonKmipServer>>;

  beforeAll(async () => {
    [h, replay, notKms] = await Promise.all([startPollHarness({ lab: { estate: { seed: 5, clusters: 3, hostsPerCluster: 6, vmsPerHost: 12, encryptedVmRatio: 0.5, poweredOffVmRatio: 0 } } }), startReplayServer(), startNonKmipServer()]);
    replay.routes.set('POST *', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    });
    replay.routes.set('GET *', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    });
  }, 120_000);
  afterAll(async () => {
    notKms?.close();
    await replay?.stop();
    await h?.close();
  });

  it('bad targets are recorded with their one-line reason, nothing stored is lost, and the others are still polled', async () => {
    await h.pollAll();
    h.clock.advance(10_000);
    await h.pollAll();
    const hostsBefore = await h.prisma.vcHost.findMany({ orderBy: { id: 'asc' } });
    const keysBefore = await h.prisma.kmsNodeKey.count();
    expect(hostsBefore.length).toBe(18);

    const otherCa = createCertificateAuthority({ commonName: 'some other CA' }).certPem;
    const garbage = await createVcenter(h.prisma, h.box, { name: 'garbage-vc', url: replay.url, username: 'u', password: 'p', caPem: replay.caPem });
    const wrongCa = await createVcenter(h.prisma, h.box, { name: 'wrong-ca-vc', url: h.lab.vcenter.url, username: h.lab.vcenter.username, password: h.lab.vcenter.password, caPem: otherCa });
    const frame = await createKmsProvider(h.prisma, h.box, { name: 'not-kmip', nodes: [{ host: notKms.host, port: notKms.port }], caPem: notKms.caPem, clientCertPem: notKms.certPem, clientKeyPem: notKms.keyPem });
    await h.fault({ type: 'vcenter-unavailable' });
    h.clock.advance(30_000);
    const results = await h.pollAll();
    await h.fault({ type: 'vcenter-unavailable', on: false });
    const byTarget = new Map(results.map((r) => [r.targetId, r]));
    expect(byTarget.get(h.kmsId)?.outcome).toBe('success');
    expect(byTarget.get(h.vcenterId)?.outcome).toBe('failure');
    expect(byTarget.get(garbage.id)?.outcome).toBe('failure');
    expect(byTarget.get(wrongCa.id)?.outcome).toBe('failure');
    expect(byTarget.get(frame.id)?.outcome).toBe('failure');

    const state = async (id: string) => h.prisma.pollState.findFirstOrThrow({ where: { OR: [{ vcenterId: id }, { kmsProviderId: id }] } });
    expect((await state(h.vcenterId)).lastError).toMatch(/503|unavailable/i);
    expect((await state(garbage.id)).lastError).toMatch(/not JSON|HTML/i);
    expect((await state(wrongCa.id)).lastError).toMatch(/certificate|TLS/i);
    expect((await state(frame.id)).lastError).toMatch(/not a KMIP message/);
    for (const id of [h.vcenterId, garbage.id, wrongCa.id, frame.id]) {
      const s = await state(id);
      expect(s.lastError!.split('\n')).toHaveLength(1);
      expect(s.consecutiveFailures).toBe(1);
      expect(s.nextDueAt.getTime()).toBeGreaterThan(h.clock.now().getTime());
      expect(s.leaseOwner).toBeNull();
    }
    const node = await h.prisma.kmsNodeState.findFirstOrThrow({ where: { kmsProviderId: frame.id } });
    expect(node).toMatchObject({ reachable: false, failure: 'not-kmip' });
    expect((await h.prisma.pollRun.findMany({ where: { targetId: garbage.id } })).map((r) => r.outcome)).toEqual(['failure']);

    // Nothing already stored was lost or overwritten.
    expect(await h.prisma.vcHost.findMany({ orderBy: { id: 'asc' } })).toEqual(hostsBefore);
    expect(await h.prisma.kmsNodeKey.count()).toBe(keysBefore);
    const unreachable = await h.prisma.alert.findMany({ where: { kind: 'VCENTER_UNREACHABLE', state: 'open' } });
    expect(unreachable.map((a) => a.entityId).sort()).toEqual([h.vcenterId, garbage.id, wrongCa.id].sort());
    expect(unreachable.find((a) => a.entityId === wrongCa.id)!.cause).toMatch(/certificate|TLS/i);

    // A vCenter that stalls halfway through a read: the deadline abandons it, nothing is stored from it.
    await h.prisma.vcenterTarget.deleteMany({ where: { id: { in: [garbage.id, wrongCa.id] } } });
    await h.prisma.kmsProvider.delete({ where: { id: frame.id } });
    await h.fault({ type: 'vcenter-latency', ms: 400 });
    h.clock.advance(120_000);
    const slow = await h.pollAll({ settings: { ...h.deps().settings, vcenterTimeoutMs: 1500 } });
    await h.fault({ type: 'vcenter-latency', ms: 0 });
    const vc = slow.find((r) => r.targetId === h.vcenterId)!;
    expect(vc.outcome).toBe('failure');
    expect(vc.error).toMatch(/did not finish within 2 s|did not finish within 1 s/);
    expect(await h.prisma.vcHost.findMany({ orderBy: { id: 'asc' } })).toEqual(hostsBefore);

    // Back to normal: the vCenter recovers, VCENTER_UNREACHABLE resolves, the stored state matches the lab.
    h.clock.advance(600_000);
    const ok = await h.pollAll();
    expect(ok.find((r) => r.targetId === h.vcenterId)?.outcome).toBe('success');
    expect(await h.prisma.alert.count({ where: { kind: 'VCENTER_UNREACHABLE', state: 'open', entityId: h.vcenterId } })).toBe(0);
    expect(await compareWithLab(h.prisma, h.vcenterId, await h.state())).toEqual([]);
  }, 120_000);

  it('a worker SIGKILLed in the middle of its transaction leaves nothing half-written; its lease expires and another worker takes over', async () => {
    // A fresh vCenter target whose first cycle the victim will write.
    const victimTarget = await createVcenter(h.prisma, h.box, { name: 'victim-vc', url: h.lab.vcenter.url, username: h.lab.vcenter.username, password: h.lab.vcenter.password, caPem: h.lab.vcenter.caPem });
    // Only the new target is due, so the victim claims that one.
    await syncPollStates(h.prisma, new Date());
    await h.prisma.$executeRawUnsafe(`UPDATE "PollState" SET "nextDueAt" = now() + interval '1 day' WHERE "kind" = 'vcenter' AND "vcenterId" <> $1`, victimTarget.id);
    const url = new URL(h.db.url);
    url.searchParams.set('application_name', 'keywatch-victim');
    // Our own transaction holds VcVm, so the victim blocks after writing clusters and hosts.
    const blocker = new pg.Client({ connectionString: h.db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "VcVm" IN EXCLUSIVE MODE');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'lib/poller/testing/victim-worker.ts'), url.toString(), h.box.masterKey], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let childErr = '';
    child.stderr.on('data', (c: Buffer) => (childErr += c.toString()));
    try {
      const watcher = new pg.Client({ connectionString: h.db.url });
      await watcher.connect();
      try {
        await waitFor(
          'the victim to wait inside its transaction',
          async () =>
            (
              await watcher.query(
                `SELECT pid FROM pg_stat_activity WHERE application_name = 'keywatch-victim' AND xact_start IS NOT NULL AND wait_event_type = 'Lock'`,
              )
            ).rowCount,
          60_000,
        ).catch((e: Error) => {
          throw new Error(`${e.message}; victim stderr: ${childErr}`);
        });
        // It has written rows of this cycle already (visible to its own transaction only).
        const waiting = await watcher.query(`SELECT query FROM pg_stat_activity WHERE application_name = 'keywatch-victim' AND wait_event_type = 'Lock'`);
        expect(String(waiting.rows[0]?.query)).toMatch(/^INSERT INTO "VcVm"/);
        child.kill('SIGKILL');
        await once(child, 'exit');
        await blocker.query('COMMIT');
        await waitFor('the victim session to end', async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'keywatch-victim'`)).rowCount === 0);
      } finally {
        await watcher.end();
      }
    } finally {
      await blocker.end().catch(() => undefined);
      child.kill('SIGKILL');
    }
    expect(await h.prisma.vcHost.count({ where: { vcenterId: victimTarget.id } })).toBe(0);
    expect(await h.prisma.vcCluster.count({ where: { vcenterId: victimTarget.id } })).toBe(0);
    expect(await h.prisma.pollRun.count({ where: { targetId: victimTarget.id } })).toBe(0);
    const held = await h.prisma.pollState.findUniqueOrThrow({ where: { vcenterId: victimTarget.id } });
    expect(held).toMatchObject({ leaseOwner: 'victim', cycle: 0 });

    // Before the lease expires nobody else takes the target...
    const early = await pollDue(h.deps({ workerId: 'worker-b', now: () => new Date() }), 'vcenter', 4);
    expect(early.map((r) => r.targetId)).not.toContain(victimTarget.id);
    // ...after it, worker B does, and stores the whole estate.
    const later = new Date(held.leaseExpiresAt!.getTime() + 1000);
    const taken = await pollDue(h.deps({ workerId: 'worker-b', now: () => later }), 'vcenter', 4);
    expect(taken.find((r) => r.targetId === victimTarget.id)?.outcome).toBe('success');
    expect(await compareWithLab(h.prisma, victimTarget.id, await h.state())).toEqual([]);
    const run = await h.prisma.pollRun.findFirstOrThrow({ where: { targetId: victimTarget.id } });
    expect(run.workerId).toBe('worker-b');
    await h.prisma.vcenterTarget.delete({ where: { id: victimTarget.id } });
    // Not a hang: the victim child (node + tsx compiling the worker) took 51 s to reach its lock on
    // two shared cores at load 20; the default 30 s cut the test off while its own wait allowed 60 s.
  }, 150_000);

  it('two workers side by side poll each target once per interval, and pick up added and removed targets without a restart', async () => {
    const env = parseEnv({ DATABASE_URL: h.db.url, KEYWATCH_POLL_KMS_S: '2', KEYWATCH_POLL_VCENTER_S: '5', KEYWATCH_POLL_CONCURRENCY: '2' });
    await h.prisma.$executeRawUnsafe(`UPDATE "PollState" SET "nextDueAt" = now(), "leaseOwner" = NULL, "leaseExpiresAt" = NULL`);
    const since = new Date();
    const workers = ['side-a', 'side-b'].map((workerId) => {
      const prisma = createPrismaClient(h.db.url, 4);
      const { logger } = captureLogger(workerId);
      const jobs = startWorkerJobs(prisma, logger, { env, box: h.box, workerId, jobs: [pollVcentersJob, pollKmsProvidersJob, evaluateAlertsJob] });
      return { prisma, jobs };
    });
    try {
      // A KMS provider added while they run, pointing at a port where nothing listens.
      await new Promise((r) => setTimeout(r, 3000));
      const added = await createKmsProvider(h.prisma, h.box, {
        name: 'added-later',
        nodes: [{ host: '127.0.0.1', port: 1 }],
        caPem: h.lab.kms.caPem,
        clientCertPem: h.lab.kms.client.certPem,
        clientKeyPem: h.lab.kms.client.keyPem,
      });
      const down = await waitFor('KMS_NODE_DOWN for the added provider', () => h.prisma.alert.findFirst({ where: { targetId: added.id, kind: 'KMS_NODE_DOWN', state: 'open' } }), 60_000);
      await new Promise((r) => setTimeout(r, 9000));
      await deleteKmsProvider(h.prisma, added.id, { force: true });
      await waitFor('the removed provider\'s alerts to resolve', async () => (await h.prisma.alert.findUniqueOrThrow({ where: { id: down.id } })).state === 'resolved', 60_000);
    } finally {
      await Promise.all(workers.map((w) => w.jobs.stop()));
      await Promise.all(workers.map((w) => w.prisma.$disconnect()));
    }
    const until = new Date();
    const seconds = (until.getTime() - since.getTime()) / 1000;
    const runs = await h.prisma.pollRun.findMany({ where: { workerId: { in: ['side-a', 'side-b'] }, targetId: { in: [h.vcenterId, h.kmsId] } }, orderBy: { startedAt: 'asc' } });
    for (const [targetId, intervalS] of [
      [h.vcenterId, 5],
      [h.kmsId, 2],
    ] as const) {
      const mine = runs.filter((r) => r.targetId === targetId);
      const trace = mine.map((r) => `${r.startedAt.toISOString()}…${r.endedAt.toISOString()} ${r.workerId} ${r.outcome}`).join('\n');
      // Once per interval: never two runs of one target within an interval, never overlapping, none skipped.
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]!.startedAt.getTime() - mine[i - 1]!.startedAt.getTime(), trace).toBeGreaterThanOrEqual(intervalS * 1000 - 5);
        expect(mine[i]!.startedAt.getTime(), trace).toBeGreaterThanOrEqual(mine[i - 1]!.endedAt.getTime());
      }
      expect(mine.length).toBeGreaterThanOrEqual(Math.floor(seconds / (intervalS + 1.5)));
      expect(mine.length).toBeLessThanOrEqual(Math.ceil(seconds / intervalS) + 1);
    }
    // Which of the two wins each claim is a race (SKIP LOCKED hands a due target to whoever asks first; a fast
    // worker can win them all), so the split between them is not asserted: once per interval, never overlapping, is.
    // Not a hang: KMS_NODE_DOWN needs two failed probes and an alert evaluation (every 10 s); it took
    // 23 s on two shared cores at load 20, past the 20 s wait, so the waits allow 60 s and the test 180 s.
  }, 180_000);

  it('a database that goes away makes the jobs retry with back-off instead of exiting, and polling resumes when it is back', async () => {
    const target = new URL(h.db.url);
    const sockets = new Set<net.Socket>();
    let accepting = true;
    const proxy = net.createServer((client) => {
      if (!accepting) return client.destroy();
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const proxied = new URL(h.db.url);
    proxied.port = String((proxy.address() as net.AddressInfo).port);
    const env = parseEnv({ DATABASE_URL: proxied.toString(), KEYWATCH_POLL_KMS_S: '2', KEYWATCH_POLL_VCENTER_S: '5' });
    const prisma = createPrismaClient(proxied.toString(), 4);
    const { logger, lines } = captureLogger('db-restart');
    const jobs = startWorkerJobs(prisma, logger, { env, box: h.box, workerId: 'restart-survivor', jobs: [pollKmsProvidersJob] });
    try {
      await waitFor('a first KMS poll', () => h.prisma.pollRun.findFirst({ where: { workerId: 'restart-survivor' } }));
      // "Restart": every connection cut, new ones refused for a while.
      accepting = false;
      for (const s of sockets) s.destroy();
      await waitFor('two failed attempts in a row', async () => lines.some((l) => l.msg === 'job failed; retrying with back-off' && Number(l.failures) >= 2), 20_000);
      const cutAt = new Date();
      accepting = true;
      await waitFor('polling to resume', () => h.prisma.pollRun.findFirst({ where: { workerId: 'restart-survivor', startedAt: { gt: cutAt } } }), 30_000);
      expect(lines.some((l) => l.msg === 'job recovered')).toBe(true);
      const failures = lines.filter((l) => l.msg === 'job failed; retrying with back-off').map((l) => Number(l.failures));
      expect(failures.slice(0, 2)).toEqual([1, 2]);
    } finally {
      await jobs.stop();
      await prisma.$disconnect();
      proxy.close();
      for (const s of sockets) s.destroy();
    }
  }, 90_000);
});
