import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../runtime/ports';

/**
 * A throwaway PostgreSQL server for integration tests: the real server from Debian's
 * postgresql package, in a temp directory, on a free loopback port. PostgreSQL refuses to run as
 * root, so as root the cluster belongs to the `postgres` system user.
 */
export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

function findBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) {
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql: run `apt-get install postgresql` (scripts/install-system-deps.sh does).',
    );
  }
  return path.join(base, versions[0], 'bin');
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-pg-'));
  const dataDir = path.join(dir, 'data');
  // Spawning with uid/gid (not runuser) keeps postgres our direct child, so signals reach it.
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('Running as root needs the `postgres` system user (apt-get install postgresql).');
    owner = { uid: Number(ids.stdout.trim()), gid: Number(gids.stdout.trim()) };
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const initRun = spawnSync(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    { encoding: 'utf8', cwd: dir, ...owner },
  );
  if (initRun.status !== 0) throw new Error(`initdb failed: ${initRun.stderr || initRun.stdout}`);

  const port = await findFreePort();
  const child: ChildProcess = spawn(
    path.join(bin, 'postgres'),
    [
      '-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...owner },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start in 30 s:\n${log}`)), 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`PostgreSQL exited (${code}):\n${log}`)); });
    const poll = setInterval(() => {
      if (log.includes('ready to accept connections')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
  });
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
