import { rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseCommandLine, runEntryPoint } from '../lib/runtime/entry-point';
import { FAULT_PROCESSES, injectFault, type FaultResult } from '../lib/runtime/testing/fault-matrix';
import { signInCookie, startKeywatch } from '../lib/runtime/testing/keywatch-instance';

/**
 * `npm run bench -- faults [--signals SIGKILL,SIGTERM]`: the fault matrix against a running
 * `npm start` with the lab — each of the embedded database, worker, web server and lab killed with
 * each signal, one after the other: time until the dashboard answers and /api/health is ok again,
 * and committed rows lost. Targets: every fault survived, recovery ≤ 15 s, 0 rows lost.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const log = (line: string) => process.stderr.write(`faults: ${line}\n`);

const argsSchema = z.object({
  signals: z
    .string()
    .default('SIGKILL,SIGTERM')
    .transform((v) => v.split(','))
    .pipe(z.array(z.enum(['SIGKILL', 'SIGTERM']))),
});

async function runMatrix(signals: NodeJS.Signals[]): Promise<void> {
  const keywatch = await startKeywatch({ cwd: ROOT, env: { KEYWATCH_LAB: 'on' } });
  const results: FaultResult[] = [];
  try {
    log(`npm start on ${keywatch.baseUrl} (data ${keywatch.dataDir})`);
    await keywatch.waitHealthy(20 * 60_000);
    const cookie = await signInCookie(keywatch.baseUrl);
    for (const signal of signals) {
      for (const target of FAULT_PROCESSES) {
        const result = await injectFault(keywatch, { process: target, signal, cookie }).catch(
          (error: unknown): FaultResult => ({ process: target, signal, survived: false, recoverySeconds: 0, lostRows: 0, failure: String(error) }),
        );
        log(`${target} ${signal}: ${result.survived ? 'survived' : `FAILED (${result.failure})`} in ${result.recoverySeconds} s, ${result.lostRows} rows lost`);
        results.push(result);
      }
    }
  } finally {
    const stopped = await keywatch.stop('SIGTERM');
    if (stopped.code !== 0 || stopped.leftBehind.length > 0) log(`npm start did not stop cleanly: ${JSON.stringify(stopped)}`);
    else rmSync(keywatch.dataDir, { recursive: true, force: true });
  }
  const survived = results.filter((r) => r.survived).length;
  const maxRecoverySeconds = Math.max(0, ...results.map((r) => r.recoverySeconds));
  const lostRows = results.reduce((sum, r) => sum + r.lostRows, 0);
  process.stdout.write(
    `${JSON.stringify({
      faults: signals.length * FAULT_PROCESSES.length,
      survived,
      maxRecoverySeconds,
      lostRows,
      recoverySeconds: Object.fromEntries(results.map((r) => [`${r.process}:${r.signal}`, r.recoverySeconds])),
      targets: { survived: 'all', maxRecoverySeconds: 15, lostRows: 0 },
    })}\n`,
  );
}

runEntryPoint(import.meta.url, {
  name: 'faults',
  usage: 'usage: npm run bench -- faults [--signals SIGKILL,SIGTERM]',
  async main(argv) {
    const { signals } = parseCommandLine(argv, { signals: { type: 'string' } }, argsSchema);
    await runMatrix(signals);
    return 0;
  },
});
