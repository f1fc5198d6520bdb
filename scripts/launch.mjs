/**
 * Every npm script that runs Keywatch code comes through here: `node scripts/launch.mjs NAME [args]`.
 *
 * Plain JavaScript on purpose: it must run on a fresh clone, before anything is generated or
 * compiled. It
 *   1. generates the Prisma client (lib/db/generated) when the entry point needs it and it is missing
 *      or older than the schema — so nothing depends on `postinstall` having run;
 *   2. bundles the entry point (for `start`, also the child processes it supervises) with esbuild
 *      into dist/NAME.mjs, unless no file that went into it changed since (dist/manifest.json lists
 *      them with their sizes and times); node_modules stay external and load natively;
 *   3. runs the bundle in this process, with process.argv as if `node dist/NAME.mjs args` had been run.
 * Compiled bundles instead of tsx at run time: each tsx process compiles TypeScript in memory and
 * costs 100+ MB more RSS (see `npm run bench -- footprint`).
 *
 * `node scripts/launch.mjs prisma-client` only generates the client (`npm run db:generate`, postinstall).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');

/**
 * name → TypeScript entry point. `prismaClient`: it imports lib/db/generated. `alsoBundles`: bundled
 * with it — the processes `start` supervises; everything `start` runs, for `build` (images, deploys).
 */
const START_BUNDLES = ['embedded-db', 'lab', 'bootstrap', 'worker', 'web', 'exit-with-parent'];
const ENTRY_POINTS = {
  start: { source: 'scripts/start/main.ts', prismaClient: true, alsoBundles: START_BUNDLES },
  'embedded-db': { source: 'lib/db/embedded-main.ts' },
  bootstrap: { source: 'scripts/start/bootstrap-main.ts', prismaClient: true },
  worker: { source: 'lib/worker/main.ts', prismaClient: true },
  // Next's request handler behind Keywatch's own HTTP server (trusted proxies decide X-Forwarded-For).
  web: { source: 'scripts/start/web.ts' },
  // Not a program: preloaded into the web server (`node --import`).
  'exit-with-parent': { source: 'lib/runtime/exit-with-parent.ts' },
  lab: { source: 'lab/main.ts' },
  migrate: { source: 'scripts/migrate.ts' },
  'rotate-master-key': { source: 'scripts/rotate-master-key.ts' },
  'kms-probe': { source: 'lib/kmip/cli.ts' },
  gate: { source: 'lib/readiness/gate-main.ts' },
  // The benchmarks themselves run through tsx (bench/run.ts); some of them read the database. The poll
  // benchmark's worker runs compiled, as npm start's worker does.
  bench: { source: 'bench/run.ts', prismaClient: true, alsoBundles: ['bench-poll-worker'] },
  'bench-poll-worker': { source: 'bench/children/poll-worker.ts', prismaClient: true },
  build: { source: 'scripts/build.ts', prismaClient: true, alsoBundles: ['start', ...START_BUNDLES] },
};

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function newestMtime(files) {
  return Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
}

/** `prisma generate` works offline: it only needs the schema engine path to exist, never runs it. */
function ensurePrismaClient() {
  const generated = path.join(ROOT, 'lib/db/generated/client.ts');
  const schemaDir = path.join(ROOT, 'prisma/schema');
  const inputs = [
    ...readdirSync(schemaDir).map((f) => path.join(schemaDir, f)),
    path.join(ROOT, 'node_modules/@prisma/client/package.json'),
  ];
  if (existsSync(generated) && statSync(generated).mtimeMs >= newestMtime(inputs)) return;
  process.stdout.write('Generating the Prisma client…\n');
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/prisma/build/index.js'), 'generate'], {
    cwd: ROOT,
    encoding: 'utf8',
    // Prisma's own chatter only matters when it fails.
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    fail(`Generating the Prisma client failed (prisma generate exited ${result.status ?? result.signal}).`);
  }
}

/**
 * A bundle has one import.meta.url, so `import.meta.dirname` would point every module at dist/.
 * Modules that find files next to themselves (migrations, the repository root) get their own
 * source folder back, relative to the bundle so that the checkout can move.
 */
const sourceDirPlugin = {
  name: 'keywatch-source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.dirname')) return undefined;
      const fromBundle = `${path.relative(DIST, path.dirname(args.path)).split(path.sep).join('/')}/`;
      return {
        contents:
          `import { fileURLToPath as __keywatchFileURLToPath } from 'node:url';\n` +
          text.replaceAll('import.meta.dirname', `__keywatchFileURLToPath(new URL(${JSON.stringify(fromBundle)}, import.meta.url))`),
        loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts',
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

const MANIFEST = path.join(DIST, 'manifest.json');

function fileStamp(file) {
  const stat = statSync(path.join(ROOT, file), { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return {};
  }
}

/** Every input of each bundle (and this file and tsconfig.json, which shape all of them) as it was when built. */
function upToDate(names, manifest) {
  return names.every((name) => {
    const inputs = manifest[name];
    return inputs && existsSync(path.join(DIST, `${name}.mjs`)) && Object.entries(inputs).every(([file, stamp]) => fileStamp(file) === stamp);
  });
}

async function bundle(names) {
  const manifest = readManifest();
  if (upToDate(names, manifest)) return;
  const { build, stop } = await import('esbuild');
  let result;
  try {
    result = await build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(names.map((name) => [name, ENTRY_POINTS[name].source])),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      tsconfig: path.join(ROOT, 'tsconfig.json'),
      outdir: DIST,
      outExtension: { '.js': '.mjs' },
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: 'silent',
      plugins: [sourceDirPlugin],
    });
  } catch (error) {
    const first = error.errors?.[0];
    fail(first ? `Cannot compile ${first.location?.file ?? ''}${first.location ? `:${first.location.line}` : ''}: ${first.text}` : String(error));
  } finally {
    await stop();
  }
  // Each bundle runs its entry point when it is the main module; a second entry point inside it would run too.
  const sources = new Map(Object.entries(ENTRY_POINTS).map(([name, e]) => [e.source, name]));
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const inside = Object.keys(output.inputs).filter((input) => input !== output.entryPoint && sources.has(input));
    if (inside.length) fail(`${output.entryPoint} imports the entry point ${inside.join(', ')}; move what it needs into a module of its own (${file}).`);
  }
  mkdirSync(DIST, { recursive: true });
  // Write-then-rename: another launch may be reading this bundle (or the manifest) right now.
  const write = (file, contents) => {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, file);
  };
  for (const file of result.outputFiles) {
    if (!existsSync(file.path) || !readFileSync(file.path).equals(Buffer.from(file.contents))) write(file.path, file.contents);
  }
  const shared = ['scripts/launch.mjs', 'tsconfig.json'];
  for (const output of Object.values(result.metafile.outputs)) {
    const name = Object.keys(ENTRY_POINTS).find((n) => ENTRY_POINTS[n].source === output.entryPoint);
    if (name) manifest[name] = Object.fromEntries([...shared, ...Object.keys(output.inputs)].map((file) => [file, fileStamp(file)]));
  }
  write(MANIFEST, `${JSON.stringify(manifest, null, 1)}\n`);
}

const [name, ...args] = process.argv.slice(2);
if (name === 'prisma-client') {
  ensurePrismaClient();
} else {
  const entry = name ? ENTRY_POINTS[name] : undefined;
  if (!entry) {
    process.stderr.write(`usage: node scripts/launch.mjs NAME [args], NAME one of: prisma-client, ${Object.keys(ENTRY_POINTS).join(', ')}\n`);
    process.exit(2);
  }
  const names = [name, ...(entry.alsoBundles ?? [])];
  if (names.some((n) => ENTRY_POINTS[n].prismaClient)) ensurePrismaClient();
  await bundle(names);
  const file = path.join(DIST, `${name}.mjs`);
  process.argv = [process.argv[0], file, ...args];
  await import(pathToFileURL(file).href);
}
