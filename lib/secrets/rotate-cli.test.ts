import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../db/client';
import { createTestDatabase, type TestDatabase } from '../db/testing/test-database';
import { createVcenter, openVcenterCredentials } from '../targets/store';
import { loadKeyring, SecretBox } from './keyring';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runRotate(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'scripts/rotate-master-key.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('scripts/rotate-master-key.ts', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = createPrismaClient(db.url, 2);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kw-rotate-'));
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-encrypts every secret under a new key file and leaves only the new key', async () => {
    const before = new SecretBox(loadKeyring({}, dataDir));
    const vc = await createVcenter(prisma, before, { name: 'vc', url: 'https://vc.test', username: 'u', password: 'rotate-me-secret' });
    const { code, out } = await runRotate({ DATABASE_URL: db.url, KEYWATCH_DATA_DIR: dataDir });
    expect(code, out).toBe(0);
    expect(out).toMatch(/Re-encrypted 1 secret\(s\)/);
    expect(out).not.toContain('rotate-me-secret');
    const after = new SecretBox(loadKeyring({}, dataDir));
    expect(after.keyring.all).toHaveLength(1);
    expect(after.keyring.current.id).not.toBe(before.keyring.current.id);
    expect((await openVcenterCredentials(prisma, after, vc.id)).password).toBe('rotate-me-secret');
    await expect(openVcenterCredentials(prisma, before, vc.id)).rejects.toThrow();
    expect(readFileSync(path.join(dataDir, 'master.key'), 'utf8')).not.toContain(before.keyring.current.key.toString('base64'));
  });

  it('with KEYWATCH_MASTER_KEY it needs KEYWATCH_MASTER_KEY_NEW, and says so', async () => {
    const { code, out } = await runRotate({ DATABASE_URL: db.url, KEYWATCH_DATA_DIR: dataDir, KEYWATCH_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(code).toBe(1);
    expect(out).toMatch(/KEYWATCH_MASTER_KEY_NEW/);
  });
});
