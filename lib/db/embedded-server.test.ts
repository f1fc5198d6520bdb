import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../runtime/ports';
import { EmbeddedDatabaseError, startEmbeddedPostgres } from './embedded-server';
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

  it('refuses a port already in use with one clear line', async () => {
    const busy = net.createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as net.AddressInfo).port)),
    );
    await expect(startEmbeddedPostgres({ dataDir: tempDir(), port })).rejects.toThrow(
      /already in use; set KEYWATCH_EMBEDDED_DB_PORT/,
    );
    busy.close();
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
