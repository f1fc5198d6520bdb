import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEntryPoint } from '../lib/runtime/entry-point';
import type { ProcessInfo } from '../lib/runtime/process-table';
import { fetchOverview, signInCookie, startKeywatch, type KeywatchInstance } from '../lib/runtime/testing/keywatch-instance';

/**
 * `npm run bench -- footprint [--idle-seconds 20]`: the memory of an idle `npm start` with the lab
 * (RSS of every process, npm itself included), and how long a full restart takes from SIGTERM to a
 * healthy /api/health again (same data dir, build already made). Targets: all processes together
 * ≤ 600 MB, restart ≤ 5 s.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const idleSeconds = Number(process.argv[process.argv.indexOf('--idle-seconds') + 1] ?? 20) || 20;
const log = (line: string) => process.stderr.write(`footprint: ${line}\n`);

const ROLES: Array<[string, (command: string) => boolean]> = [
  ['npm', (c) => /(^|\/)npm( |$)/.test(c) || c.includes('npm-cli.js')],
  ['sh', (c) => c.startsWith('sh -c') || c.startsWith('/bin/sh -c')],
  ['supervisor', (c) => c.includes('scripts/launch.mjs start')],
  ['db', (c) => c.includes('dist/embedded-db.mjs')],
  ['lab', (c) => c.includes('dist/lab.mjs')],
  ['worker', (c) => c.includes('dist/worker.mjs')],
  ['web', (c) => c.includes('dist/web.mjs') || c.includes('next-server')],
];

function roleOf(info: ProcessInfo): string {
  return ROLES.find(([, matches]) => matches(info.command))?.[0] ?? info.command.slice(0, 60);
}

function sample(keywatch: KeywatchInstance): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const info of keywatch.tree()) {
    const role = roleOf(info);
    figures[role] = (figures[role] ?? 0) + info.rssBytes / 1048576;
  }
  return figures;
}

/** From the supervisor's JSON log lines: how long each child took to be ready, bootstrap, and the whole start. */
function phases(output: string): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{"')) continue;
    const entry = JSON.parse(line) as { process?: string; msg?: string; child?: string; readySeconds?: number; seconds?: number; startupSeconds?: number };
    if (entry.process !== 'supervisor') continue;
    if (entry.child && entry.readySeconds !== undefined) figures[entry.child] = entry.readySeconds;
    if (entry.msg === 'bootstrap done' && entry.seconds !== undefined) figures.bootstrap = entry.seconds;
    if (entry.startupSeconds !== undefined) figures.total = entry.startupSeconds;
  }
  return figures;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(): Promise<void> {
  const first = await startKeywatch({ cwd: ROOT, env: { KEYWATCH_LAB: 'on' } });
  const started = Date.now();
  log(`npm start on ${first.baseUrl} (data ${first.dataDir}); the first start may build the dashboard`);
  await first.waitHealthy(20 * 60_000);
  // Idle, but after someone has looked at it: the web server has rendered the overview once.
  const overview = await fetchOverview(first.baseUrl, await signInCookie(first.baseUrl));
  if (!overview.rendered) throw new Error(`the overview page answered ${overview.status}`);
  log(`healthy after ${((Date.now() - started) / 1000).toFixed(1)} s, overview rendered; idling ${idleSeconds} s`);
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const samples: Array<Record<string, number>> = [];
  for (let i = 0; i < 3; i += 1) {
    samples.push(sample(first));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  const roles = [...new Set(samples.flatMap((s) => Object.keys(s)))];
  const perProcessRssMB = Object.fromEntries(roles.map((role) => [role, Math.round(median(samples.map((s) => s[role] ?? 0)))]));
  const totalRssMB = Object.values(perProcessRssMB).reduce((a, b) => a + b, 0);
  log(`RSS (MB): ${JSON.stringify(perProcessRssMB)}, total ${totalRssMB}`);

  const stopped = await first.stop('SIGTERM');
  if (stopped.code !== 0 || stopped.leftBehind.length > 0) throw new Error(`npm start did not stop cleanly: ${JSON.stringify(stopped)}`);
  const restartBegan = Date.now();
  const again = await startKeywatch({
    cwd: ROOT,
    dataDir: first.dataDir,
    port: Number(new URL(first.baseUrl).port),
    databasePort: first.databasePort,
    env: { KEYWATCH_LAB: 'on' },
  });
  try {
    await again.waitHealthy(120_000);
  } finally {
    await again.stop('SIGTERM');
  }
  const restartSeconds = Number(((Date.now() - restartBegan) / 1000).toFixed(2));
  const restartPhasesSeconds = phases(again.output());
  log(`restart (npm start again on the same data, until /api/health is ok): ${restartSeconds} s; supervisor's phases ${JSON.stringify(restartPhasesSeconds)}; load average ${os.loadavg()[0]!.toFixed(1)}`);
  rmSync(first.dataDir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      totalRssMB,
      perProcessRssMB,
      restartSeconds,
      restartPhasesSeconds,
      loadAverage: Number(os.loadavg()[0]!.toFixed(1)),
      withoutNpmRssMB: totalRssMB - (perProcessRssMB.npm ?? 0) - (perProcessRssMB.sh ?? 0),
      targets: { totalRssMB: 600, restartSeconds: 5 },
      met: { totalRssMB: totalRssMB <= 600, restartSeconds: restartSeconds <= 5 },
    })}\n`,
  );
}

runEntryPoint(import.meta.url, {
  name: 'footprint',
  usage: 'usage: npm run bench -- footprint [--idle-seconds 20]',
  async main() {
    await measure();
    return 0;
  },
});
