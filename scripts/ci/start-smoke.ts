import { existsSync } from 'node:fs';
import path from 'node:path';
import { runEntryPoint, UsageError } from '../../lib/runtime/entry-point';
import { processStateFile } from '../../lib/runtime/process-state';
import type { ProcessInfo } from '../../lib/runtime/process-table';
import { fetchOverview, signInCookie, startKeywatch } from '../../lib/runtime/testing/keywatch-instance';

/**
 * CI's proof of the README's run command, on the clean checkout `npm ci` just made (nothing
 * generated, nothing built): `npm start` on free ports with a fresh data dir reaches a healthy
 * /api/health with the worker alive, the overview page renders for the signed-in admin, and
 * SIGTERM stops it with exit code 0 and no process left behind.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
// The first start builds the dashboard (next build): minutes on a 2-core CI machine.
const FIRST_START_TIMEOUT_MS = 15 * 60_000;

function check(condition: boolean, failure: string): void {
  if (!condition) throw new Error(failure);
}

async function smoke(): Promise<void> {
  const started = Date.now();
  const keywatch = await startKeywatch({ cwd: ROOT });
  const say = (line: string) => process.stdout.write(`start-smoke: ${line}\n`);
  say(`npm start on ${keywatch.baseUrl}, data in ${keywatch.dataDir}`);
  let tree: ProcessInfo[];
  try {
    const health = await keywatch.waitHealthy(FIRST_START_TIMEOUT_MS);
    say(`healthy after ${Math.round((Date.now() - started) / 1000)} s: database ${health.database.status}, worker ${health.worker.status}`);
    check(keywatch.output().includes(`Keywatch is running at ${keywatch.baseUrl}`), 'npm start did not print the URL');
    const overview = await fetchOverview(keywatch.baseUrl, await signInCookie(keywatch.baseUrl));
    check(overview.status === 200 && overview.rendered, `the overview page answered ${overview.status}${overview.rendered ? '' : ' without its Overview heading'}`);
    say('the overview page renders for the signed-in admin');
    tree = keywatch.tree();
    // Every child runs a bundle scripts/launch.mjs wrote (the web server is Next's handler inside dist/web.mjs).
    for (const name of ['dist/embedded-db.mjs', 'dist/lab.mjs', 'dist/worker.mjs', 'dist/web.mjs']) {
      check(tree.some((p) => p.command.includes(name)), `no process runs ${name}; processes: ${tree.map((p) => p.command).join(' | ')}`);
    }
  } catch (error) {
    await keywatch.stop('SIGKILL');
    throw error;
  }
  const { code, signal, leftBehind } = await keywatch.stop('SIGTERM');
  check(code === 0, `npm start exited with ${signal ? `signal ${signal}` : `code ${code}`} after SIGTERM:\n${keywatch.output().slice(-2000)}`);
  check(leftBehind.length === 0, `processes left behind after SIGTERM: ${leftBehind.map((p) => `${p.pid} ${p.command}`).join(' | ')}`);
  check(!existsSync(processStateFile(keywatch.dataDir)), 'processes.json was not removed at stop');
  say(`SIGTERM stopped all ${tree.length} processes, exit code 0`);
}

runEntryPoint(import.meta.url, {
  name: 'start-smoke',
  usage: 'usage: npx tsx scripts/ci/start-smoke.ts   (run by .ci/run right after npm ci)',
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    await smoke();
    return 0;
  },
});
