import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A child process of `npm start` whose output is forwarded, and which can be awaited for a ready
 * line and stopped with a deadline.
 */
export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`; rejects if the child exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
  exited: Promise<ChildExit>;
  lastLines(): string[];
}

export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  /**
   * prefixed: lines go out as `[name] line` (JSON log lines unchanged: they name their process);
   * plain: as they are (start-up messages meant for the person running npm start);
   * quiet-stderr: prefixed stdout, and stderr kept only for the error message start-up reports itself;
   * kept: nothing forwarded, the caller prints lastLines() when it is time.
   */
  output?: 'prefixed' | 'plain' | 'quiet-stderr' | 'kept';
  /** An IPC channel lets the child notice that the supervisor died (lib/runtime/shutdown.ts). */
  ipc?: boolean;
  /**
   * A process group of its own: Ctrl-C in a terminal (or a test runner signalling npm start's group)
   * reaches only the supervisor, which then stops the children in order — the web server and the
   * worker before the database they still write to.
   */
  ownProcessGroup?: boolean;
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

export function startChild(name: string, command: string, args: string[], options: ChildOptions): ManagedChild {
  const output = options.output ?? 'prefixed';
  const child = spawn(command, args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc === false ? [] : ['ipc' as const])],
    detached: options.ownProcessGroup ?? false,
  });
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const forward = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream | null) => {
    readline.createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      listeners.forEach((listener) => listener(line));
      if (!out || line.startsWith('READY ')) return;
      out.write(output === 'plain' || line.startsWith('{') ? `${line}\n` : `[${name}] ${line}\n`);
    });
  };
  forward(child.stdout!, output === 'kept' ? null : process.stdout);
  forward(child.stderr!, output === 'quiet-stderr' || output === 'kept' ? null : process.stderr);
  const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
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
        void exited.then((exit) => {
          clearTimeout(timer);
          listeners.delete(onLine);
          const said = recent.filter((l) => l.trim() && !l.startsWith('{')).at(-1);
          reject(new Error(said ?? `${name} stopped (${describeExit(exit)}) before it was ready.`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}
