import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/launch.mjs', 'start'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', KEYWATCH_LAB: 'off', ...env } as Record<string, string> as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm start refuses bad set-ups with one clear line', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [{ PORT: 'abc' }, /^PORT="abc" must be a number\.$/],
    [{ KEYWATCH_LAB: 'sometimes' }, /^KEYWATCH_LAB="sometimes" must be auto, on or off\.$/],
    [{ KEYWATCH_DATADIR: '/x' }, /^Unknown setting KEYWATCH_DATADIR/],
    // Sign-in settings are checked before the database starts, not at bootstrap.
    [{ KEYWATCH_OIDC_ISUER: 'https://sso.example.test' }, /^Unknown setting KEYWATCH_OIDC_ISUER: check the spelling\.$/],
    [
      { DATABASE_URL: 'postgresql://kw@127.0.0.1:1/kw' },
      /^Cannot reach the database at 127\.0\.0\.1:1\/kw \(nothing is listening there\); fix DATABASE_URL/,
    ],
  ])('%o', async (env, message) => {
    const { code, stderr } = await runStart({ ...env, KEYWATCH_DATA_DIR: dataDir });
    expect(code).toBe(1);
    const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("names an embedded database already in use by another Keywatch, and leaves that process's lock alone", async () => {
    // The embedded database listens on a Unix socket in the data dir (no TCP port): what can be busy is the
    // data dir itself, held by a live process.
    writeFileSync(path.join(dataDir, 'embedded-db.pid'), String(process.pid));
    const { code, stderr } = await runStart({ KEYWATCH_DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(stderr).toContain(`is in use by process ${process.pid}; stop that Keywatch first or set KEYWATCH_DATA_DIR to another folder.`);
    expect(readFileSync(path.join(dataDir, 'embedded-db.pid'), 'utf8')).toBe(String(process.pid));
  }, 120_000);

  it('names a port already in use', async () => {
    const busy = net.createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as net.AddressInfo).port)),
    );
    const { code, stderr } = await runStart({ PORT: String(port), KEYWATCH_DATA_DIR: dataDir });
    busy.close();
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `Port ${port} on 127.0.0.1 is already in use, so the dashboard cannot start; set PORT to a free port (e.g. PORT=3001 npm start).`,
    );
  });
});
