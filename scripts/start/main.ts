import path from 'node:path';
import pg from 'pg';
import { EnvError, parseEnv, type KeywatchEnv } from '../../lib/config/env';
import { bootstrapAtStart } from '../../lib/auth/bootstrap';
import { AuthConfigError, parseAuthConfig } from '../../lib/auth/config';
import { migrate } from '../../lib/db/migrate';
import { ensureBuild, ensurePrismaClient } from './build';
import { startChild, tsxArgs, type ManagedChild } from './managed-child';
import { assertDatabaseReachable, assertPortFree, StartupError } from './preflight';

/**
 * `npm start`: everything a newcomer needs, in order — database (embedded unless DATABASE_URL),
 * migrations, the lab (unless real targets are configured), the worker, the web server.
 * Children stop in reverse order so the worker can still record its stop in the database.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ManagedChild[] = [];
let shuttingDown = false;

/** auto: the lab runs until the operator has configured a vCenter of their own (UI or targets file). */
async function labWanted(env: KeywatchEnv, targetsFile: string | undefined, databaseUrl: string): Promise<boolean> {
  if (env.KEYWATCH_LAB === 'off') return false;
  if (env.KEYWATCH_LAB === 'on') return true;
  if (targetsFile) return false;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "VcenterTarget" WHERE source <> 'lab'`);
    return Number(rows[0]?.n ?? 0) === 0;
  } finally {
    await client.end();
  }
}

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    for (const child of [...children].reverse()) await child.stop();
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const env = parseEnv();
  // Parsed here as well as at bootstrap so that a bad sign-in setting stops start-up before anything runs.
  const { targetsFile } = parseAuthConfig();
  const dev = process.argv.includes('--dev');
  await assertPortFree(env.PORT, env.HOSTNAME, 'the dashboard', 'set PORT to a free port (e.g. PORT=3001 npm start)');
  if (env.DATABASE_URL) await assertDatabaseReachable(env.DATABASE_URL);
  ensurePrismaClient();
  if (!dev) ensureBuild();

  const childEnv: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', KEYWATCH_DATA_DIR: env.dataDir };
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const db = startChild('db', ...tsxArgs(path.join(ROOT, 'lib/db/embedded-main.ts')), { env: childEnv, quietStderr: true });
    children.push(db);
    const ready = await db.waitForLine(/^READY /, 120_000);
    databaseUrl = ready.slice('READY '.length).trim();
    console.log(`Embedded PostgreSQL (PGlite) serving ${path.join(env.dataDir, 'pg')}`);
  }
  childEnv.DATABASE_URL = databaseUrl;

  // Migrations as the schema owner when one is given; the app's own role may then lack DDL rights (README: Security).
  const migrations = await migrate(env.KEYWATCH_MIGRATION_DATABASE_URL ?? databaseUrl);
  if (migrations.applied.length > 0) console.log(`Applied migrations: ${migrations.applied.join(', ')}`);

  if (await labWanted(env, targetsFile, databaseUrl)) {
    const lab = startChild('lab', ...tsxArgs(path.join(ROOT, 'lab/main.ts'), ['--data-dir', path.join(env.dataDir, 'lab'), '--ready-line']), {
      env: childEnv,
    });
    children.push(lab);
    const ready = await lab.waitForLine(/^READY /, 120_000);
    childEnv.KEYWATCH_LAB_CONFIG = ready.slice('READY '.length).trim();
    const labDir = path.join(env.dataDir, 'lab');
    console.log(
      `Lab estate running (targets lab-vcenter / lab-kms); credentials and fault knobs: npx tsx lab/faults-cli.ts --lab ${path.join(labDir, 'lab.json')} state`,
    );
  }

  // First admin, bootstrap token, setup link, lab targets: before anyone can reach the web server.
  await bootstrapAtStart(databaseUrl, childEnv, env.dataDir);

  const worker = startChild('worker', ...tsxArgs(path.join(ROOT, 'lib/worker/main.ts')), { env: childEnv });
  children.push(worker);
  await worker.waitForLine(/running$/, 60_000);

  // Next behind Keywatch's own HTTP server, which decides the client address (KEYWATCH_TRUSTED_PROXIES).
  const web = startChild('web', ...tsxArgs(path.join(ROOT, 'scripts/start/web.ts'), dev ? ['--dev'] : []), { env: childEnv });
  children.push(web);
  await web.waitForLine(/Ready in|✓ Ready|started server/i, 120_000);
  console.log(`\nKeywatch is running at http://${env.HOSTNAME}:${env.PORT}  (Ctrl-C stops it; data stays in ${env.dataDir})\n`);

  for (const child of children) {
    void child.exited.then((code) => {
      if (shuttingDown) return;
      console.error(`${child.name} stopped unexpectedly (exit ${code}); stopping Keywatch.`);
      void shutdown(1);
    });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.log('\nStopping Keywatch…');
    void shutdown(0);
  });
}

main().catch(async (error: unknown) => {
  const known = error instanceof EnvError || error instanceof AuthConfigError || error instanceof StartupError;
  const message = error instanceof Error ? error.message : String(error);
  console.error(known ? message : `Keywatch could not start: ${message}`);
  await shutdown(1);
});
