import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/**
 * A child process of `npm start` whose output is prefixed with its name, and which can be
 * awaited for a ready line and stopped with a deadline.
 */
export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`; rejects if the child exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
  lastLines(): string[];
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; quietStderr?: boolean },
): ManagedChild {
  const child = spawn(command, args, {
    env: options.env,
    // An IPC channel lets tsx children notice when `npm start` itself dies and clean up.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  // quietStderr: the child's only stderr output is its fatal error, which start-up reports itself.
  const forward = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream | null) => {
    readline.createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      listeners.forEach((listener) => listener(line));
      if (out && !line.startsWith('READY ')) out.write(`[${name}] ${line}\n`);
    });
  };
  forward(child.stdout!, process.stdout);
  forward(child.stderr!, options.quietStderr ? null : process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    process: child,
    exited,
    lastLines: () => [...recent],
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(onLine);
          reject(new Error(`${name} did not become ready within ${Math.round(timeoutMs / 1000)} s.`));
        }, timeoutMs);
        const onLine = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(onLine);
          resolve(line);
        };
        listeners.add(onLine);
        void exited.then((code) => {
          clearTimeout(timer);
          listeners.delete(onLine);
          const said = recent.filter((l) => l.trim()).at(-1);
          reject(new Error(said ?? `${name} exited with code ${code} before it was ready.`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Arguments that run a TypeScript entry point with the same Node and tsx's loader. */
export function tsxArgs(entry: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', entry, ...args]];
}
