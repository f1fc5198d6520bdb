import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmipClient } from './client';
import { runKmsProbeCli } from './cli';
import { startPyKmipServer, type PyKmipServer } from './testing/pykmip-server';

let server: PyKmipServer;
let dir: string;
let activeId: string;
let files: { ca: string; cert: string; key: string; notPem: string };
let downPort: number;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runKmsProbeCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

const base = (port = server.port) => ['--host', '127.0.0.1', '--port', String(port), '--ca', files.ca, '--cert', files.cert, '--key', files.key];

beforeAll(async () => {
  server = await startPyKmipServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kms-probe-cli-'));
  files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), notPem: path.join(dir, 'x.txt') };
  await Promise.all([
    writeFile(files.ca, server.caPem),
    writeFile(files.cert, server.clientCertPem),
    writeFile(files.key, server.clientKeyPem),
    writeFile(files.notPem, 'hello'),
  ]);
  const admin = new KmipClient({ host: server.host, port: server.port, caPem: server.caPem, certPem: server.clientCertPem, keyPem: server.clientKeyPem });
  try {
    activeId = await admin.create({ name: 'cli-kek' });
    await admin.activate(activeId);
  } finally {
    admin.close();
  }
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  downPort = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kms:probe in process', () => {
  it('prints JSON with the documented fields and exits 0 when the node and keys are healthy', async () => {
    const { code, out, err } = await run([...base(), '--keys', activeId, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.node.serverCertificate.notAfter).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(json.node.serverCertificate.daysLeft).toBeGreaterThan(300);
    expect(json.node.versions).toContain('1.4');
    expect(json.node.latencyMs).toBeGreaterThan(0);
    expect(json.keys).toEqual([expect.objectContaining({ id: activeId, status: 'active', state: 'Active' })]);
  });

  it('prints a human report and exits 1 when a key is missing', async () => {
    const { code, out } = await run([...base(), '--keys', `${activeId},nope`]);
    expect(code).toBe(1);
    expect(out).toMatch(/^KMS 127\.0\.0\.1:\d+ — UNHEALTHY/);
    expect(out).toMatch(/Keys \(2\): 1 active, 0 not active, 1 not found, 0 error/);
    expect(out).toMatch(/FAIL nope\s+not-found/);
    expect(out).toMatch(/Server cert\s+CN=pykmip/);
  });

  it('exits 1 with the plain sentence when the node is down', async () => {
    const { code, out } = await run([...base(downPort), '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out);
    expect(json.node.reachable).toBe(false);
    expect(json.node.error).toContain('refused the connection (nothing listening');
  });

  it.each([
    [['--port', '5696'], /^kms:probe: --host is required\n$/],
    [['--host', 'h', '--port', '70000', '--ca', 'a', '--cert', 'b', '--key', 'c'], /^kms:probe: --port must be a number between 1 and 65535\n$/],
    [['--host', 'h', '--port', 'abc', '--ca', 'a', '--cert', 'b', '--key', 'c'], /^kms:probe: --port must be a number/],
    [['--bogus'], /^kms:probe: Unknown option '--bogus'\n$/],
    [['--host', 'h', '--port', '1', '--ca', '/nonexistent/ca.pem', '--cert', 'b', '--key', 'c'], /^kms:probe: cannot read --ca file \/nonexistent\/ca\.pem: no such file\n$/],
  ])('rejects %j with one line on stderr and exit 2', async (argv, message) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('rejects a file that is not PEM and an empty key list entry', async () => {
    const notPem = await run([...base(), '--ca', files.notPem]);
    expect(notPem).toMatchObject({ code: 2, err: `kms:probe: --ca file ${files.notPem} is not PEM (no "-----BEGIN" line)\n` });
    const emptyKey = await run([...base(), '--keys', 'a,,b']);
    expect(emptyKey.code).toBe(2);
    expect(emptyKey.err).toMatch(/--keys must be a comma-separated list/);
  });
});

describe('kms:probe as a process', () => {
  const spawnCli = async (argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'cli.ts'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  };

  it('exits 0 / 1 / 2 as documented', async () => {
    const [ok, unhealthy, bad] = await Promise.all([
      spawnCli([...base(), '--keys', activeId, '--json']),
      spawnCli([...base(), '--keys', 'missing-key']),
      spawnCli(['--host', '127.0.0.1', '--port', 'x']),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).keys[0].status).toBe('active');
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stdout).toContain('not-found');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('kms:probe: --port must be a number between 1 and 65535\n');
  });
});
