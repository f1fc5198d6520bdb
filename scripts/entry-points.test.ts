import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * Every documented entry point, run from a throwaway copy of the repository as a fresh clone has it
 * — no lib/db/generated, no dist/, no .next, and no postinstall having run — gets past module
 * loading: each answers in its own words (usage, or a known complaint about its settings) instead
 * of dying with ERR_MODULE_NOT_FOUND. On the commit before this test existed, `npm start` and
 * `npm run worker` died that way; ENTRY_POINTS_TEST_REF=<commit> runs the same checks on that
 * commit's files to see it.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const REF = process.env.ENTRY_POINTS_TEST_REF;

function makeClone(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-clone-'));
  if (REF) {
    execFileSync('bash', ['-c', `git -C "${ROOT}" archive "${REF}" | tar -x -C "${dir}"`]);
  } else {
    // The working tree's version of every file git would commit (tracked or new, not ignored).
    const files = execFileSync('git', ['-C', ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
      .split('\0')
      .filter((file) => file && existsSync(path.join(ROOT, file)));
    for (const file of files) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  // Nothing of this machine's Keywatch or npm settings: the entry point sees what a new user's shell has.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KEYWATCH_|npm_|DATABASE_URL$|PORT$|NODE_ENV$|VITEST)/.test(name)),
  );
  return new Promise((resolve) => {
    const childEnv = { ...inherited, KEYWATCH_DATA_DIR: path.join(cwd, '.data'), ...env } as Record<string, string> as unknown as NodeJS.ProcessEnv;
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('npm '))
    .at(-1);

describe('documented entry points on a fresh clone (nothing generated or built)', () => {
  let clone: string;
  beforeAll(() => {
    clone = makeClone();
  });
  afterAll(() => rmSync(clone, { recursive: true, force: true }));
  beforeEach(() => {
    for (const generated of ['lib/db/generated', 'dist', '.next']) rmSync(path.join(clone, generated), { recursive: true, force: true });
  });

  it('npm start loads, checks its settings, and its child processes load too', async () => {
    const start = await run(clone, 'npm', ['start'], { DATABASE_URL: 'postgresql://kw@127.0.0.1:1/kw', KEYWATCH_LAB: 'off' });
    expect(lastLine(start.stderr), start.stderr).toMatch(/^Cannot reach the database at 127\.0\.0\.1:1\/kw \(nothing is listening there\)/);
    expect(start.code).toBe(1);
    // npm start's children are the bundles it was launched with; each loads and answers --help.
    for (const child of ['embedded-db', 'lab', 'bootstrap', 'worker']) {
      const help = await run(clone, process.execPath, [path.join(clone, 'dist', `${child}.mjs`), '--help']);
      expect({ child, code: help.code, stderr: help.stderr }).toEqual({ child, code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^usage: /);
    }
  }, 120_000);

  // Each entry point: --help (module loading got through), then a bad invocation answered in one line.
  it.each([
    ['worker', /^usage: npm run worker/m, ['run', 'worker'], /^worker: DATABASE_URL is not set/],
    ['lab', /^usage: npm run lab/m, ['run', 'lab', '--', '--kms-nodes', 'none'], /^lab: --kms-nodes: /],
    ['db:migrate', /^usage: DATABASE_URL=postgresql:\/\/… npm run db:migrate/m, ['run', 'db:migrate'], /^db:migrate: set DATABASE_URL/],
    ['secrets:rotate-master-key', /^usage: npm run secrets:rotate-master-key/m, ['run', 'secrets:rotate-master-key', '--', '--now'], /^Master key rotation failed: unexpected argument --now\.$/],
    ['bench', /^usage: npm run bench -- NAME \[args\], NAME one of: .*footprint/m, ['run', 'bench', '--', 'no-such-bench'], /^bench: no benchmark named "no-such-bench"\.$/],
    ['kms:probe', /^usage: npm run kms:probe -- --host H/m, ['run', 'kms:probe', '--', '--host', 'kms.test'], /^kms:probe: --port is required$/],
  ])('npm run %s loads: --help prints its usage, a bad invocation is one line and exit 2', async (name, usage, bad, message) => {
    const help = await run(clone, 'npm', ['--silent', 'run', name, '--', '--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(usage);
    const refused = await run(clone, 'npm', ['--silent', ...bad]);
    expect(lastLine(refused.stderr.split('\nusage: ')[0]!), refused.stderr).toMatch(message);
    expect(refused.code).toBe(2);
  }, 120_000);

  it('npm run kms:probe needs neither a database nor the Prisma client', async () => {
    const result = await run(clone, 'npm', ['--silent', 'run', 'kms:probe', '--', '--host', '127.0.0.1', '--port', '1', '--ca', 'none.pem', '--cert', 'none.pem', '--key', 'none.pem']);
    expect(result.stderr).toBe('kms:probe: cannot read --ca file none.pem: no such file\n');
    expect(result.code).toBe(2);
    expect(existsSync(path.join(clone, 'lib/db/generated'))).toBe(false);
  }, 60_000);
});
