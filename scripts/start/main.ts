import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { AuthConfigError, parseAuthConfig } from '../../lib/auth/config';
import { EnvError, parseEnv, type KeywatchEnv } from '../../lib/config/env';
import { migrate, MigrationError } from '../../lib/db/migrate';
import { createLogger, type Logger } from '../../lib/logging/logger';
import { parseCommandLine, runEntryPoint } from '../../lib/runtime/entry-point';
import { stopOnSignals } from '../../lib/runtime/shutdown';
import { ensureBuild } from './build';
import { startChild } from './managed-child';
import { NODE_FLAGS, PRISMA_FLAGS, workerFlags } from './node-flags';
import { assertDatabaseReachable, assertPortFree, StartupError } from './preflight';
import { ChildStartError, Supervisor } from './supervisor';

/**
 * `npm start` (run as dist/start.mjs by scripts/launch.mjs): everything a newcomer needs, in order —
 * database (embedded unless DATABASE_URL), migrations, the lab (unless real targets are configured),
 * sign-in bootstrap, then the worker and the web server. It stays small on purpose (no Prisma, no
 * argon2: bootstrap runs in a process of its own) and supervises the children (./supervisor.ts).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const USAGE = `usage: npm start [-- --dev]

Starts Keywatch: the embedded database (unless DATABASE_URL is set), migrations, the lab (until a
vCenter of your own is configured), the worker and the web server; restarts any of them that dies.
--dev   run the web server with \`next dev\` instead of the production build.
Settings are environment variables: see the README's "Configuration".`;

/** Children run compiled, from the bundles scripts/launch.mjs writes next to this one. */
function bundle(name: string): string {
  const file = path.join(ROOT, 'dist', `${name}.mjs`);
  if (!existsSync(file)) throw new StartupError(`${path.relative(ROOT, file)} is missing; start Keywatch with \`npm start\`, which builds it.`);
  return file;
}

/**
 * Whether the lab runs: `on` / `off`, or (auto) until the operator has configured a vCenter of their
 * own — by targets file, or in the UI, which only the database knows (undefined: ask it).
 */
function labSetting(env: KeywatchEnv, targetsFile: string | undefined): boolean | undefined {
  if (env.KEYWATCH_LAB !== 'auto') return env.KEYWATCH_LAB === 'on';
  return targetsFile ? false : undefined;
}

async function noVcenterOfTheirOwn(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "VcenterTarget" WHERE source <> 'lab'`);
    return Number(rows[0]?.n ?? 0) === 0;
  } finally {
    await client.end();
  }
}

/**
 * Memory settings for the children, which are mostly idle (measured with `npm run bench -- footprint`):
 * one malloc arena instead of an arena per thread (their Node flags: node-flags.ts). Settings the
 * operator made in the environment win.
 */
function childEnvironment(env: KeywatchEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '1', ...process.env, NEXT_TELEMETRY_DISABLED: '1', KEYWATCH_DATA_DIR: env.dataDir };
}

/**
 * The one-shot bootstrap step. What it says (the setup link) is for the person starting Keywatch, so
 * it is printed with the URL at the end rather than lost in the build output.
 */
async function bootstrap(env: NodeJS.ProcessEnv): Promise<string[]> {
  const child = startChild('bootstrap', process.execPath, [...PRISMA_FLAGS, bundle('bootstrap')], { env, output: 'kept', ipc: false });
  const exit = await child.exited;
  const said = child.lastLines().filter((line) => !line.startsWith('{'));
  if (exit.code !== 0) throw new StartupError(said.filter((l) => l.trim()).at(-1) ?? 'Sign-in bootstrap failed.');
  return said;
}

async function main(argv: string[]): Promise<void> {
  const { dev } = parseCommandLine(argv, { dev: { type: 'boolean' } }, z.object({ dev: z.boolean().default(false) }));
  const env = parseEnv();
  // Parsed here as well as at bootstrap so that a bad sign-in setting stops start-up before anything runs.
  const { targetsFile } = parseAuthConfig();
  await assertPortFree(env.PORT, env.HOSTNAME, 'the dashboard', 'set PORT to a free port (e.g. PORT=3001 npm start)');
  if (env.DATABASE_URL) await assertDatabaseReachable(env.DATABASE_URL);
  const log = createLogger('supervisor');
  const supervisor = new Supervisor({
    dataDir: env.dataDir,
    log,
    onGiveUp: (line) => {
      process.stderr.write(`${line}\n`);
      void supervisor.stopAll().finally(() => process.exit(1));
    },
  });
  stopOnSignals('npm start', async () => {
    process.stdout.write('\nStopping Keywatch…\n');
    await supervisor.stopAll();
  });
  try {
    await startAll(env, targetsFile, dev, supervisor, log);
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
}

/**
 * The order matters where one step needs another: the database before migrations, the lab before
 * bootstrap (which registers the lab targets) and before the worker and web server (which get its
 * address). Everything else starts side by side, so that a restart is quick.
 */
async function startAll(env: KeywatchEnv, targetsFile: string | undefined, dev: boolean, supervisor: Supervisor, log: Logger): Promise<void> {
  const childEnv = childEnvironment(env);
  const node = process.execPath;
  const labDir = path.join(env.dataDir, 'lab');
  const startLab = () =>
    supervisor.start({
      name: 'lab',
      command: node,
      args: [...NODE_FLAGS, bundle('lab'), '--data-dir', labDir, '--ready-line'],
      env: () => childEnv,
      ready: /^READY /,
      readyTimeoutMs: 120_000,
      // A restarted lab comes back on its saved ports, so the registered lab targets stay valid.
      onReady: (line) => (childEnv.KEYWATCH_LAB_CONFIG = line.slice('READY '.length).trim()),
    });
  const wanted = labSetting(env, targetsFile);
  // Known without the database: start the lab alongside it.
  let lab = wanted === true ? startLab() : undefined;
  lab?.catch(() => undefined); // awaited below; a failure before then must not be an unhandled rejection

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const ready = await supervisor.start({
      name: 'db',
      command: node,
      args: [...NODE_FLAGS, bundle('embedded-db')],
      env: () => childEnv,
      ready: /^READY /,
      readyTimeoutMs: 120_000,
      output: 'quiet-stderr',
    });
    databaseUrl = ready.slice('READY '.length).trim();
    process.stdout.write(`Embedded PostgreSQL (PGlite) serving ${path.join(env.dataDir, 'pg')}\n`);
  }
  childEnv.DATABASE_URL = databaseUrl;

  // Migrations as the schema owner when one is given; the app's own role may then lack DDL rights (README: Security).
  const migrations = await migrate(env.KEYWATCH_MIGRATION_DATABASE_URL ?? databaseUrl);
  if (migrations.applied.length > 0) process.stdout.write(`Applied migrations: ${migrations.applied.join(', ')}\n`);

  if (wanted === undefined && (await noVcenterOfTheirOwn(databaseUrl))) lab = startLab();
  if (lab) {
    await lab;
    process.stdout.write(
      `Lab estate running (targets lab-vcenter / lab-kms / lab-openstack); credentials and fault knobs: npx tsx lab/faults-cli.ts --lab ${path.join(labDir, 'lab.json')} state\n`,
    );
  }

  const worker = supervisor.start({ name: 'worker', command: node, args: [...workerFlags(), bundle('worker')], env: () => childEnv, ready: /^READY /, readyTimeoutMs: 60_000 });
  worker.catch(() => undefined);
  // First admin, bootstrap token, setup link, lab targets. The web server starts alongside: its API
  // runs the same bootstrap before answering anything (lib/auth/bootstrap-once.ts), serialized by a
  // database lock, so no one can sign in before the first admin exists.
  const bootstrapBegan = Date.now();
  const bootstrapped = bootstrap(childEnv).then((said) => {
    log.info({ seconds: (Date.now() - bootstrapBegan) / 1000 }, 'bootstrap done');
    return said;
  });
  bootstrapped.catch(() => undefined);
  // Built last, so that a wrong setting or a busy port is reported at once, not after a build.
  if (!dev) await ensureBuild();
  // Next behind Keywatch's own HTTP server, which decides the client address (KEYWATCH_TRUSTED_PROXIES).
  await supervisor.start({
    name: 'web',
    command: node,
    args: [...PRISMA_FLAGS, '--import', bundle('exit-with-parent'), bundle('web'), ...(dev ? ['--dev'] : [])],
    env: () => childEnv,
    ready: /Ready in|✓ Ready|started server/i,
    readyTimeoutMs: 120_000,
  });
  const bootstrapSaid = await bootstrapped;
  await worker;
  // Since `npm start` launched this process (scripts/launch.mjs runs in it): what `npm run bench -- footprint` reports as restart.
  log.info({ startupSeconds: Number(process.uptime().toFixed(2)) }, 'Keywatch is running');
  process.stdout.write(`${bootstrapSaid.join('\n')}\nKeywatch is running at http://${env.HOSTNAME}:${env.PORT}  (Ctrl-C stops it; data stays in ${env.dataDir})\n\n`);
}

runEntryPoint(import.meta.url, {
  name: 'Keywatch could not start',
  usage: USAGE,
  plainErrors: [EnvError, AuthConfigError, StartupError, MigrationError, ChildStartError],
  main,
});
