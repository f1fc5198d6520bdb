import path from 'node:path';
import { expect, test } from '@playwright/test';
import { FAULT_PROCESSES, injectFault } from '../lib/runtime/testing/fault-matrix';
import { signInCookie, startKeywatch } from '../lib/runtime/testing/keywatch-instance';

/**
 * The fault matrix of issue 17 against an `npm start` of its own (lab on, fresh data dir, free
 * ports — the suite's shared instance is left alone): each of the embedded database, worker, web
 * server and lab killed with SIGKILL and then with SIGTERM. Each time the dashboard answers again and
 * /api/health is ok within 15 s, with every committed row still there. `npm run bench -- faults`
 * runs the same matrix and reports the figures.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

test('npm start survives SIGKILL and SIGTERM of each of its processes, data intact', async () => {
  test.setTimeout(8 * 60_000);
  const keywatch = await startKeywatch({ cwd: ROOT, env: { KEYWATCH_LAB: 'on' } });
  try {
    await keywatch.waitHealthy(180_000);
    const cookie = await signInCookie(keywatch.baseUrl);
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      for (const target of FAULT_PROCESSES) {
        const result = await injectFault(keywatch, { process: target, signal, cookie, timeoutMs: 30_000 });
        expect(result, `${target} ${signal}: ${result.failure ?? ''}\n${keywatch.output().slice(-2000)}`).toMatchObject({ survived: true, lostRows: 0 });
        expect(result.recoverySeconds, `${target} ${signal}`).toBeLessThanOrEqual(15);
      }
    }
    // Every restart was recorded; the last one followed a SIGTERM (a clean exit, or Next's 128 + 15).
    const children = keywatch.processState()!.children;
    for (const target of FAULT_PROCESSES) {
      const child = children.find((c) => c.name === target);
      expect(child).toMatchObject({ state: 'running', restarts: 2, lastExit: { signal: null } });
      expect([0, 143]).toContain(child?.lastExit?.code);
    }
  } finally {
    const stopped = await keywatch.stop('SIGTERM');
    expect(stopped.leftBehind).toEqual([]);
  }
});
