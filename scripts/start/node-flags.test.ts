import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKER_HEAP_MB, workerFlags } from './node-flags';

/** V8's heap limit (MB) of a real Node process started with these flags. */
function heapLimitMB(flags: string[], nodeOptions = ''): number {
  const run = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout) / 1048576;
}

describe('worker node flags', () => {
  it('bound the worker heap in a real process, unless the operator set a limit in NODE_OPTIONS', () => {
    const limited = heapLimitMB(workerFlags({}));
    // V8 adds the young generation (2 × 8 MB semi-spaces plus a new large-object space) to the old-space limit.
    expect(limited).toBeGreaterThanOrEqual(WORKER_HEAP_MB);
    expect(limited).toBeLessThan(WORKER_HEAP_MB + 64);

    const operator = { NODE_OPTIONS: '--max-old-space-size=1024' };
    expect(workerFlags(operator).some((f) => f.startsWith('--max-old-space-size'))).toBe(false);
    expect(heapLimitMB(workerFlags(operator), operator.NODE_OPTIONS)).toBeGreaterThanOrEqual(1024);
  });
});
