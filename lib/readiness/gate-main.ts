/** `npm run gate -- HOST [...]`: the readiness gate for patch pipelines (see gate-cli.ts); exits 0 READY, 3 BLOCKED, 2 usage / unreachable. */
import { runGate } from './gate-cli';

runGate(process.argv.slice(2), process.env, {
  stdout: (t) => process.stdout.write(`${t}\n`),
  stderr: (t) => process.stderr.write(`${t}\n`),
  fetch,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`gate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
