import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../runtime/ports';
import { EmbeddedDatabaseError, embeddedSocketPath, startEmbeddedPostgres } from './embedded-server';
import { migrate } from './migrate';

describe('embedded PostgreSQL (PGlite over the wire protocol)', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-embedded-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('serves pg clients, takes migrations, and keeps data across restarts', async () => {
    const dataDir = tempDir();
    const port = await findFreePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    await migrate(first.url);
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await client.query(`INSERT INTO "WorkerHeartbeat" (id, hostname, pid, version) VALUES ('kept', 'h', 1, 'v')`);
    await client.end();
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port });
    const again = await migrate(second.url);
    expect(again.applied).toEqual([]);
    const reader = new pg.Client({ connectionString: second.url });
    await reader.connect();
    const { rows } = await reader.query(`SELECT id FROM "WorkerHeartbeat"`);
    await reader.end();
    await second.stop();
    expect(rows).toEqual([{ id: 'kept' }]);
  }, 240_000);

  it('keeps concurrent parameterized queries of several connections apart (no "bind message supplies N parameters")', async () => {
    const dataDir = tempDir();
    const db = await startEmbeddedPostgres({ dataDir, port: await findFreePort() });
    const pool = new pg.Pool({ connectionString: db.url, max: 8 });
    try {
      // Different parameter counts per statement, many connections at once: interleaved Parse / Bind
      // messages of two connections are exactly what made PostgreSQL refuse a Bind.
      const queries = Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0 ? pool.query('SELECT $1::int + $2::int AS v', [i, 1]) : pool.query('SELECT $1::int AS v', [i]),
      );
      const rows = (await Promise.all(queries)).map((r) => Number(r.rows[0].v));
      expect(rows).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? i + 1 : i)));
    } finally {
      await pool.end();
      await db.stop();
    }
  }, 240_000);

  it('accepts no one but its own user: no TCP port, a socket inside the 0700 data directory (issue 15, finding 1)', async () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    const port = await findFreePort();
    const db = await startEmbeddedPostgres({ dataDir, port });
    try {
      // Before: 127.0.0.1:<port> answered anyone on the machine as the superuser, without a password.
      const tcp = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      expect(tcp).toBe('ECONNREFUSED');
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(embeddedSocketPath(dataDir, port)).isSocket()).toBe(true);
      expect(new URL(db.url).searchParams.get('host')).toBe(path.resolve(dataDir));
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
      if (process.getuid?.() === 0) {
        // Another local user: the directory's mode stops them before PGlite sees a byte.
        const nobody = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
        const other = spawnSync(
          process.execPath,
          ['-e', `require('net').connect(${JSON.stringify(embeddedSocketPath(dataDir, port))}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`],
          { uid: nobody, gid: nobody, encoding: 'utf8', cwd: os.tmpdir() },
        );
        expect(other.stdout.trim()).toBe('EACCES');
      }
    } finally {
      await db.stop();
    }
    expect(existsSync(embeddedSocketPath(dataDir, port))).toBe(false);
  }, 240_000);

  it('refuses a data directory whose socket path would not fit, with one clear line', async () => {
    const deep = path.join(tempDir(), 'x'.repeat(60), 'y'.repeat(40));
    await expect(startEmbeddedPostgres({ dataDir: deep, port: await findFreePort() })).rejects.toThrow(/set KEYWATCH_DATA_DIR to a shorter path/);
  });

  it('refuses a data directory locked by a live process', async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, 'embedded-db.pid'), String(process.ppid));
    await expect(startEmbeddedPostgres({ dataDir, port: await findFreePort() })).rejects.toThrow(/in use by process/);
  });

  it('reports a corrupt data directory without deleting anything', async () => {
    const dataDir = tempDir();
    const pgDir = path.join(dataDir, 'pg');
    mkdirSync(pgDir);
    writeFileSync(path.join(pgDir, 'PG_VERSION'), 'garbage\n');
    writeFileSync(path.join(pgDir, 'postgresql.conf'), 'this is = not [valid\n');
    const error = await startEmbeddedPostgres({ dataDir, port: await findFreePort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedDatabaseError);
    expect((error as Error).message).toMatch(/cannot be opened .*nothing was deleted/);
    expect(readdirSync(pgDir).sort()).toEqual(['PG_VERSION', 'postgresql.conf']);
  }, 240_000);
});
