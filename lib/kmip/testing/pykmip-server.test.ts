import { existsSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../pki/certificates';
import { runPyKmipClient, runPyKmipSteps, type PyKmipConnection } from './pykmip-client';
import { checkPyKmip, startPyKmipServer, SYSTEM_PYTHON, type PyKmipServer } from './pykmip-server';

describe('PyKMIP test harness', () => {
  let server: PyKmipServer;
  let connection: PyKmipConnection;

  beforeAll(async () => {
    server = await startPyKmipServer();
    connection = { host: server.host, port: server.port, caPath: server.files.caPath, certPath: server.files.clientCertPath, keyPath: server.files.clientKeyPath };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the real PyKMIP server with mutual TLS on a loopback port', async () => {
    expect(server.isRunning()).toBe(true);
    expect(server.port).toBeGreaterThan(0);
    // Without a client certificate the TLS 1.2 handshake is refused by the server.
    const outcome = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: server.host, port: server.port, ca: server.caPem, servername: 'localhost', maxVersion: 'TLSv1.2' });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve('handshake completed');
      });
      socket.once('error', (e) => resolve(`error: ${e.message}`));
    });
    expect(outcome).toMatch(/^error: .*(alert|handshake|certificate)/i);
    expect(await server.readLog()).toContain('Starting connection service');
  });

  it('lets PyKMIP’s Python client create, activate and read attributes', async () => {
    const steps = await runPyKmipSteps(connection, [
      { op: 'discover_versions' },
      { op: 'create', algorithm: 'AES', length: 256, name: 'harness-key' },
      { op: 'get_attributes', uid: '$1', names: ['State', 'Cryptographic Algorithm', 'Cryptographic Length', 'Object Type'] },
      { op: 'activate', uid: '$1' },
      { op: 'get_attributes', uid: '$1', names: ['State'] },
      { op: 'locate', name: 'harness-key' },
      { op: 'get_attributes', uid: '999999' },
    ]);
    const [versions, created, before, activated, after, located, missing] = steps;
    expect(versions?.ok && versions.versions).toContain('1.2');
    expect(created?.ok && created.uid).toMatch(/^\d+$/);
    expect(before?.ok && before.attributes).toMatchObject({ State: 'PRE_ACTIVE', 'Cryptographic Algorithm': 'AES', 'Cryptographic Length': 256, 'Object Type': 'SYMMETRIC_KEY' });
    expect(activated?.ok).toBe(true);
    expect(after?.ok && after.attributes).toEqual({ State: 'ACTIVE' });
    expect(located?.ok && located.uids).toEqual([created?.uid]);
    expect(missing).toMatchObject({ ok: false, status: 'OPERATION_FAILED', reason: 'ITEM_NOT_FOUND' });
  });

  it('times per-key GetAttributes inside Python, excluding interpreter start-up', async () => {
    const created = await runPyKmipSteps(connection, [{ op: 'create_many', count: 3, activate: true }]);
    const uids = created[0]?.ok ? (created[0].uids ?? []) : [];
    expect(uids).toHaveLength(3);
    const run = await runPyKmipClient(connection, [{ op: 'get_attributes_each', uids: [...uids, 'nope'], names: ['State'] }]);
    expect(run.output.connected).toBe(true);
    const step = run.output.connected ? run.output.steps[0] : undefined;
    expect(step?.ok && step.results?.map((r) => (r.ok ? r.attributes.State : r.reason))).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ITEM_NOT_FOUND']);
    expect(step?.ok && step.elapsed_ms).toBeLessThan(run.processMs);
  });

  it('treats another client identity as a different owner (PyKMIP maps the certificate CN)', async () => {
    const stranger = issueCertificate(server.ca, { commonName: 'stranger', kind: 'client' });
    const { writeFile } = await import('node:fs/promises');
    const certPath = `${server.dataDir}/stranger.pem`;
    const keyPath = `${server.dataDir}/stranger.key`;
    await writeFile(certPath, stranger.certPem);
    await writeFile(keyPath, stranger.keyPem);
    const owned = await runPyKmipSteps(connection, [{ op: 'create' }]);
    const uid = owned[0]?.ok ? owned[0].uid : undefined;
    expect(uid).toBeDefined();
    const foreign = await runPyKmipSteps({ ...connection, certPath, keyPath }, [{ op: 'get_attributes', uid: uid!, names: ['State'] }]);
    expect(foreign[0]).toMatchObject({ ok: false, reason: 'PERMISSION_DENIED' });
  });

  it('stop() kills the server and removes its directory', async () => {
    const other = await startPyKmipServer({ ca: server.ca });
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    expect(other.isRunning()).toBe(false);
    expect(existsSync(other.dataDir)).toBe(false);
    // A refused connection comes back as data, not as a crash of the runner.
    const run = await runPyKmipClient({ ...connection, port: other.port }, [{ op: 'discover_versions' }]);
    expect(run.output).toMatchObject({ connected: false, error: expect.stringMatching(/refused/i) });
  }, 120_000); // starts a second PyKMIP server, and two Python start-ups take over 30 s on a loaded machine

  it('says how to install PyKMIP when the interpreter cannot run it', () => {
    expect(checkPyKmip(SYSTEM_PYTHON)).toBeNull();
    expect(checkPyKmip('/nonexistent/python3')?.message).toMatch(/cannot be run.*apt-get install python3-pykmip/);
    expect(checkPyKmip('/bin/false')?.message).toMatch(/not importable by \/bin\/false.*apt-get install python3-pykmip/);
  });
});
