import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/logger';
import { processStateFile, readProcessState } from '../../lib/runtime/process-state';
import { Supervisor, type ChildSpec } from './supervisor';

/** Real child processes (`node -e`), a fast restart policy, and the supervisor's log lines captured. */
function harness() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-supervisor-'));
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const gaveUp: string[] = [];
  const supervisor = new Supervisor({
    dataDir,
    log: createLogger('supervisor', { destination }),
    policy: { firstDelayMs: 50, maxDelayMs: 1_000, maxCrashes: 3, windowMs: 60_000 },
    onGiveUp: (line) => gaveUp.push(line),
  });
  return { dataDir, lines, gaveUp, supervisor };
}

const child = (name: string, script: string): ChildSpec => ({
  name,
  command: process.execPath,
  args: ['-e', script],
  env: () => ({ PATH: process.env.PATH }) as Record<string, string> as unknown as NodeJS.ProcessEnv,
  ready: /^READY/,
  readyTimeoutMs: 10_000,
});

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Supervisor', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('restarts a child killed from outside, logs the signal, and records it for /api/health', async () => {
    const { dataDir, lines, supervisor } = harness();
    dirs.push(dataDir);
    await supervisor.start(child('worker', `console.log('READY'); setInterval(() => {}, 1000);`));
    const first = readProcessState(dataDir)!.children[0]!;
    expect(first).toMatchObject({ name: 'worker', state: 'running', restarts: 0, lastExit: null });
    process.kill(first.pid!, 'SIGKILL');
    const restarted = await until('the restart', () => {
      const state = readProcessState(dataDir)?.children[0];
      return state?.state === 'running' && state.restarts === 1 ? state : undefined;
    });
    expect(restarted.pid).not.toBe(first.pid);
    expect(restarted.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(lines.find((l) => l.level === 40)).toMatchObject({
      child: 'worker',
      signal: 'SIGKILL',
      exitCode: null,
      restartInMs: 50,
      msg: 'worker stopped unexpectedly (signal SIGKILL); restarting',
    });
    expect(lines.find((l) => l.msg === 'worker restarted')).toMatchObject({ level: 30, child: 'worker', childPid: restarted.pid, restarts: 1 });
    await supervisor.stopAll();
    expect(existsSync(processStateFile(dataDir))).toBe(false);
  });

  it('backs off exponentially and gives up on a crash loop with one line', async () => {
    const { dataDir, lines, gaveUp, supervisor } = harness();
    dirs.push(dataDir);
    await supervisor.start(child('lab', `console.log('READY'); console.error('lab: port 8443 vanished'); setTimeout(() => process.exit(3), 100);`));
    const [line] = await until('giving up', () => (gaveUp.length ? gaveUp : undefined));
    expect(line).toBe('lab stopped unexpectedly 3 times within 1 minute (last: exit code 3, "lab: port 8443 vanished"); stopping Keywatch.');
    const restarts = lines.filter((l) => l.level === 40);
    expect(restarts.map((l) => [l.exitCode, l.restartInMs])).toEqual([
      [3, 50],
      [3, 100],
    ]);
    expect(lines.at(-1)).toMatchObject({ level: 50, child: 'lab', crashes: 3 });
    await supervisor.stopAll();
  });

  it('a child that fails to start rejects with its own last line, and is not restarted', async () => {
    const { dataDir, lines, supervisor } = harness();
    dirs.push(dataDir);
    await expect(
      supervisor.start(child('db', `console.error('Port 54329 for the embedded database is already in use; set KEYWATCH_EMBEDDED_DB_PORT to a free port.'); process.exit(1);`)),
    ).rejects.toThrow(/^Port 54329 for the embedded database is already in use/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.filter((l) => l.level !== 30)).toEqual([]);
    expect(readProcessState(dataDir)?.children).toEqual([{ name: 'db', state: 'stopped', pid: null, restarts: 0, lastExit: null }]);
    await supervisor.stopAll();
  });

  it('stops children last-started first and restarts nothing while stopping', async () => {
    const { dataDir, lines, supervisor } = harness();
    dirs.push(dataDir);
    // Each child says when it got SIGTERM; the supervisor's output relay is not involved.
    const stopper = (name: string) =>
      child(name, `console.log('READY'); process.on('SIGTERM', () => { require('fs').appendFileSync(${JSON.stringify(path.join(dataDir, 'order'))}, '${name}\\n'); process.exit(0); }); setInterval(() => {}, 1000);`);
    await supervisor.start(stopper('db'));
    await supervisor.start(stopper('worker'));
    await supervisor.start(stopper('web'));
    await supervisor.stopAll();
    expect(readFileSync(path.join(dataDir, 'order'), 'utf8')).toBe('web\nworker\ndb\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });
});
