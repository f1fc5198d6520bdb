import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createCertificateAuthority, issueCertificate, type PemPair } from '../../pki/certificates';

/**
 * Runs PyKMIP's real server (Debian python3-pykmip) on a loopback port for integration tests and
 * benchmarks. The Debian interpreter is used on purpose: other python3 builds on this machine
 * do not have the `kmip` package.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface PyKmipServerOptions {
  /** Operation policies, file name (without .json) → PyKMIP policy document, put in policy_path. */
  policies?: Record<string, unknown>;
  /** Common name of the generated client certificate; PyKMIP uses it as the client identity (object owner). */
  clientCommonName?: string;
  /** Reuse a CA (e.g. to trust the same client certificates as another server). */
  ca?: PemPair;
  logLevel?: 'DEBUG' | 'INFO' | 'WARNING';
  startTimeoutMs?: number;
  /**
   * Keep the server's files (above all its sqlite database) on /dev/shm when it exists. PyKMIP
   * commits every object it creates; on a disk each commit waits for fsync, which makes creating
   * a thousand keys take minutes instead of seconds.
   */
  onTmpfs?: boolean;
}

export interface PyKmipServer {
  host: '127.0.0.1';
  port: number;
  caPem: string;
  /** The CA with its key, so tests can mint more client certificates (other identities, expired ones). */
  ca: PemPair;
  clientCertPem: string;
  clientKeyPem: string;
  serverCertPem: string;
  clientCommonName: string;
  /** The same material as files, for PyKMIP's Python client. */
  files: { caPath: string; clientCertPath: string; clientKeyPath: string };
  dataDir: string;
  logPath: string;
  /** Whether the python process is still running. */
  isRunning(): boolean;
  readLog(): Promise<string>;
  stop(): Promise<void>;
}

export class PyKmipUnavailableError extends Error {
  override readonly name = 'PyKmipUnavailableError';
}

/** Why PyKMIP cannot run with `python`, or null when it can. */
export function checkPyKmip(python: string = SYSTEM_PYTHON): PyKmipUnavailableError | null {
  const probe = spawnSync(python, ['-c', 'import kmip.services.server, kmip.pie.client; print(kmip.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error) {
    return new PyKmipUnavailableError(`${python} cannot be run (${probe.error.message}); install it with: apt-get install python3-pykmip`);
  }
  if (probe.status !== 0) {
    return new PyKmipUnavailableError(`PyKMIP is not importable by ${python}; install it with: apt-get install python3-pykmip`);
  }
  return null;
}

let availability: PyKmipUnavailableError | null | undefined;

/** Throws a PyKmipUnavailableError with the install command when PyKMIP cannot run here. */
export function assertPyKmipAvailable(): void {
  if (availability === undefined) availability = checkPyKmip();
  if (availability) throw availability;
}

export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Servers whose owner forgot stop() (a crashed test) must not outlive the Node process.
const runningGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of runningGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function serverConfig(settings: Record<string, string | number | boolean>): string {
  return `[server]\n${Object.entries(settings)
    .map(([k, v]) => `${k}=${v === true ? 'True' : v === false ? 'False' : v}`)
    .join('\n')}\n`;
}

async function tlsAccepts(port: number, material: { ca: string; cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: material.ca, cert: material.cert, key: material.key, servername: 'localhost' });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.once('secureConnect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // PyKMIP starts a multiprocessing.Manager child; the whole process group has to go.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already exited
  }
}

export async function startPyKmipServer(opts: PyKmipServerOptions = {}): Promise<PyKmipServer> {
  assertPyKmipAvailable();
  const clientCommonName = opts.clientCommonName ?? 'keywatch';
  const ca = opts.ca ?? createCertificateAuthority({ commonName: 'PyKMIP Test CA' });
  const serverPair = issueCertificate(ca, { commonName: 'pykmip', kind: 'server', sans: ['127.0.0.1', 'localhost'] });
  const clientPair = issueCertificate(ca, { commonName: clientCommonName, kind: 'client' });

  const parent = opts.onTmpfs && existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = await mkdtemp(path.join(parent, 'keywatch-pykmip-'));
  const files = {
    caPath: path.join(dir, 'ca.pem'),
    serverCertPath: path.join(dir, 'server.pem'),
    serverKeyPath: path.join(dir, 'server.key'),
    clientCertPath: path.join(dir, 'client.pem'),
    clientKeyPath: path.join(dir, 'client.key'),
  };
  const policyDir = path.join(dir, 'policies');
  const logPath = path.join(dir, 'server.log');
  await Promise.all([
    writeFile(files.caPath, ca.certPem),
    writeFile(files.serverCertPath, serverPair.certPem),
    writeFile(files.serverKeyPath, serverPair.keyPem, { mode: 0o600 }),
    writeFile(files.clientCertPath, clientPair.certPem),
    writeFile(files.clientKeyPath, clientPair.keyPem, { mode: 0o600 }),
    mkdir(policyDir),
  ]);
  for (const [name, policy] of Object.entries(opts.policies ?? {})) {
    await writeFile(path.join(policyDir, `${name}.json`), JSON.stringify(policy));
  }

  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const material = { ca: ca.certPem, cert: clientPair.certPem, key: clientPair.keyPem };
  let lastFailure = '';
  // Another process can take the free port between our probe and PyKMIP's bind: retry on a new port.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort();
    const configPath = path.join(dir, 'server.conf');
    await writeFile(
      configPath,
      serverConfig({
        hostname: '127.0.0.1',
        port,
        certificate_path: files.serverCertPath,
        key_path: files.serverKeyPath,
        ca_path: files.caPath,
        auth_suite: 'TLS1.2',
        enable_tls_client_auth: true,
        policy_path: policyDir,
        database_path: path.join(dir, 'pykmip.sqlite'),
        logging_level: opts.logLevel ?? 'INFO',
      }),
    );
    const child = spawn(SYSTEM_PYTHON, ['-c', 'import sys; from kmip.services.server.server import main; sys.exit(main())', '-f', configPath, '-l', logPath], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (child.pid !== undefined) runningGroups.delete(child.pid);
    });
    if (child.pid !== undefined) runningGroups.add(child.pid);

    const deadline = Date.now() + startTimeoutMs;
    let ready = false;
    while (!exited && Date.now() < deadline) {
      if (await tlsAccepts(port, material)) {
        ready = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (ready) {
      return {
        host: '127.0.0.1',
        port,
        caPem: ca.certPem,
        ca,
        clientCertPem: clientPair.certPem,
        clientKeyPem: clientPair.keyPem,
        serverCertPem: serverPair.certPem,
        clientCommonName,
        files: { caPath: files.caPath, clientCertPath: files.clientCertPath, clientKeyPath: files.clientKeyPath },
        dataDir: dir,
        logPath,
        isRunning: () => !exited,
        readLog: () => readFile(logPath, 'utf8').catch(() => ''),
        stop: async () => {
          if (!exited) {
            const gone = once(child, 'exit');
            killGroup(child);
            await gone;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    killGroup(child);
    if (!exited) await once(child, 'exit');
    const log = await readFile(logPath, 'utf8').catch(() => '');
    lastFailure = `${stderr}\n${log}`.trim().split('\n').slice(-15).join('\n');
    if (!/failed to bind|Address already in use/i.test(lastFailure)) break;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`PyKMIP server did not start accepting TLS connections within ${startTimeoutMs} ms. Last output:\n${lastFailure}`);
}
