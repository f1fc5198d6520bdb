import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { z } from 'zod';

/**
 * The one way a command-line entry point starts and ends (see ARCHITECTURE.md, "Command-line entry
 * points"): a module ends with `runEntryPoint(import.meta.url, { name, usage, main })`, which runs
 * `main` only when the module is the program (run by tsx, or bundled by scripts/launch.mjs) — tests
 * can import the module freely. `--help` prints the usage; a bad command line is one line on stderr
 * and exit 2; any other failure one line and exit 1. Long-running entry points print one
 * `READY …` line when they serve (announceReady), log JSON lines through lib/logging, and stop
 * through stopOnSignals (lib/runtime/shutdown).
 */

/** The command line is wrong: exit 2 with `name: message`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type ErrorClass = abstract new (...args: never[]) => Error;

export interface EntryPoint {
  /** How the program is called in messages: `npm start`, `worker`, `kms:probe`. */
  name: string;
  /** Printed for --help; its first line also follows a usage error. */
  usage: string;
  /**
   * Runs the program. A number is its exit code for a one-shot command; `undefined` means it keeps
   * running (servers, timers) until stopOnSignals ends it.
   */
  main(argv: string[]): Promise<number | void>;
  /** Errors whose message is already the whole sentence to print (no `name:` in front). */
  plainErrors?: ErrorClass[];
}

/** True when `moduleUrl` (the caller's import.meta.url) is the file node was asked to run. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

export function runEntryPoint(moduleUrl: string, entry: EntryPoint): void {
  if (!isMainModule(moduleUrl)) return;
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${entry.usage.trim()}\n`);
    return;
  }
  entry.main(argv).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UsageError) {
        process.stderr.write(`${entry.name}: ${message}\n${entry.usage.trim().split('\n')[0]}\n`);
        process.exitCode = 2;
      } else if (entry.plainErrors?.some((type) => error instanceof type)) {
        process.stderr.write(`${message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`${entry.name}: ${message}\n`);
        process.exitCode = 1;
      }
      // A failed start may leave servers or pools open; the one line above is the whole outcome.
      setImmediate(() => process.exit());
    },
  );
}

/**
 * node:util parseArgs, then zod over the values: unknown flags, missing values and bad values all
 * become one UsageError naming the flag.
 */
export function parseCommandLine<T>(
  argv: string[],
  options: ParseArgsOptionsConfig,
  schema: z.ZodType<T>,
  { positionals = false }: { positionals?: boolean } = {},
): T {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (error) {
    // parseArgs explains at length; its first sentence names the flag.
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('. ')[0]!.replace(/\.?$/, '.'));
  }
  const result = schema.safeParse(positionals ? { ...parsed.values, _: parsed.positionals } : parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const flag = issue.path.length && issue.path[0] !== '_' ? `--${issue.path.join('.')}` : 'arguments';
    throw new UsageError(`${flag}: ${issue.message}.`);
  }
  return result.data;
}

/** The handshake a supervisor waits for: one stdout line, `READY` and what to connect to. */
export function announceReady(payload: string): void {
  process.stdout.write(`READY ${payload}\n`);
}
