import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Everything `next build` reads: a change to any of these makes `npm start` build again.
const SOURCES = ['app', 'components', 'lib', 'public', 'prisma', 'proxy.ts', 'next.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];
const FINGERPRINT_FILE = path.join(ROOT, '.next', 'keywatch-source-fingerprint');

function* walk(entry: string): Generator<string> {
  if (!existsSync(entry)) return;
  const stat = statSync(entry);
  if (stat.isFile()) {
    yield entry;
    return;
  }
  for (const child of readdirSync(entry).sort()) {
    if (child === 'generated' || child === 'node_modules' || child.endsWith('.test.ts')) continue;
    yield* walk(path.join(entry, child));
  }
}

/** Size + mtime of every source file: cheap, and any edit or checkout changes it. */
function sourceFingerprint(): string {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of walk(path.join(ROOT, source))) {
      const stat = statSync(file);
      hash.update(`${path.relative(ROOT, file)}:${stat.size}:${stat.mtimeMs}\n`);
    }
  }
  return hash.digest('hex');
}

/** Runs a command with inherited output; asynchronous, so that a supervisor keeps serving its children meanwhile. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} failed (${signal ? `signal ${signal}` : `exit ${code}`}).`)),
    );
  });
}

/** Builds the Next.js app when the sources changed since the last build (or there is none). */
export async function ensureBuild(): Promise<void> {
  const fingerprint = sourceFingerprint();
  const built = existsSync(path.join(ROOT, '.next', 'BUILD_ID')) && existsSync(FINGERPRINT_FILE);
  if (built && readFileSync(FINGERPRINT_FILE, 'utf8') === fingerprint) return;
  console.log('Building the dashboard (first start or sources changed)…');
  await run(process.execPath, [path.join(ROOT, 'node_modules/next/dist/bin/next'), 'build'], {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
  });
  writeFileSync(FINGERPRINT_FILE, fingerprint);
}
