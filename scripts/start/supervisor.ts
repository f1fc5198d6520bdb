import type { Logger } from '../../lib/logging/logger';
import { backoffDelay, type Backoff } from '../../lib/runtime/backoff';
import { removeProcessState, writeProcessState, type ChildState } from '../../lib/runtime/process-state';
import { describeExit, startChild, type ChildExit, type ChildOptions, type ManagedChild } from './managed-child';

/**
 * Keeps `npm start`'s long-running children up. A child that fails to start stops start-up (the
 * caller reports its last line). Once started, a child that exits for any reason the supervisor did
 * not ask for is restarted after an exponential back-off; the same child stopping `maxCrashes`
 * times within `windowMs` is a crash loop, and the supervisor gives up with one line. Every state
 * change goes to `<data dir>/processes.json`, which /api/health reads.
 */
export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  /** Read at every (re)start: a restarted web server gets the database URL known by then. */
  env: () => NodeJS.ProcessEnv;
  /** The stdout line that says the child serves. */
  ready: RegExp;
  readyTimeoutMs: number;
  output?: ChildOptions['output'];
  /** Called with the ready line, at the first start and after every restart. */
  onReady?: (line: string) => void;
}

/** A child stopped or hung before its ready line; the message is its last line of output. */
export class ChildStartError extends Error {
  override name = 'ChildStartError';
}

export interface RestartPolicy extends Backoff {
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 500, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 5 * 60_000 };

interface Supervised {
  spec: ChildSpec;
  child: ManagedChild;
  state: ChildState['state'];
  restarts: number;
  crashes: number[];
  lastExit: ChildState['lastExit'];
  downSince?: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly children: Supervised[] = [];
  private readonly startedAt = new Date().toISOString();
  private stopping = false;
  private stopped?: Promise<void>;

  constructor(
    private readonly options: {
      dataDir: string;
      log: Logger;
      policy?: RestartPolicy;
      /** A crash loop: the supervisor has stopped everything; say `line` and exit non-zero. */
      onGiveUp: (line: string) => void;
    },
  ) {}

  private get policy(): RestartPolicy {
    return this.options.policy ?? DEFAULT_RESTART_POLICY;
  }

  /** Starts a child and waits until it is ready; rejects (and leaves it stopped) if it does not get there. */
  async start(spec: ChildSpec): Promise<string> {
    const entry: Supervised = { spec, child: this.spawn(spec), state: 'starting', restarts: 0, crashes: [], lastExit: null };
    this.children.push(entry);
    this.record();
    const spawnedAt = Date.now();
    try {
      const line = await entry.child.waitForLine(spec.ready, spec.readyTimeoutMs);
      entry.state = 'running';
      this.record();
      this.options.log.info({ child: spec.name, childPid: entry.child.process.pid, readySeconds: (Date.now() - spawnedAt) / 1000 }, `${spec.name} ready`);
      this.watch(entry);
      spec.onReady?.(line);
      return line;
    } catch (error) {
      await entry.child.stop('SIGKILL');
      entry.state = 'stopped';
      this.record();
      throw new ChildStartError(error instanceof Error ? error.message : String(error));
    }
  }

  /** Stops every child, last started first, and removes the state file. Once, however often called. */
  stopAll(): Promise<void> {
    this.stopping = true;
    this.stopped ??= (async () => {
      for (const entry of [...this.children].reverse()) {
        clearTimeout(entry.timer);
        entry.state = 'stopping';
        this.record();
        await entry.child.stop();
        entry.state = 'stopped';
      }
      removeProcessState(this.options.dataDir);
    })();
    return this.stopped;
  }

  private spawn(spec: ChildSpec): ManagedChild {
    return startChild(spec.name, spec.command, spec.args, { env: spec.env(), output: spec.output ?? 'prefixed', ownProcessGroup: true });
  }

  private watch(entry: Supervised): void {
    const child = entry.child;
    void child.exited.then((exit) => {
      if (this.stopping || entry.child !== child) return;
      this.onUnexpectedExit(entry, exit);
    });
  }

  private onUnexpectedExit(entry: Supervised, exit: ChildExit): void {
    const { name } = entry.spec;
    const now = Date.now();
    entry.lastExit = { code: exit.code, signal: exit.signal, at: new Date(now).toISOString() };
    entry.downSince ??= now;
    entry.crashes = [...entry.crashes.filter((at) => now - at < this.policy.windowMs), now];
    const said = entry.child.lastLines().filter((l) => l.trim() && !l.startsWith('{')).at(-1);
    if (entry.crashes.length >= this.policy.maxCrashes) {
      const minutes = Math.max(1, Math.round(this.policy.windowMs / 60_000));
      this.options.log.error({ child: name, exitCode: exit.code, signal: exit.signal, crashes: entry.crashes.length }, `${name} is crash-looping; giving up`);
      this.options.onGiveUp(
        `${name} stopped unexpectedly ${entry.crashes.length} times within ${minutes} minute${minutes === 1 ? '' : 's'} (last: ${describeExit(exit)}${said ? `, "${said}"` : ''}); stopping Keywatch.`,
      );
      return;
    }
    const delayMs = backoffDelay(entry.crashes.length, this.policy);
    entry.state = 'restarting';
    this.record();
    this.options.log.warn(
      { child: name, childPid: entry.child.process.pid, exitCode: exit.code, signal: exit.signal, restartInMs: delayMs, crashesInWindow: entry.crashes.length },
      `${name} stopped unexpectedly (${describeExit(exit)}); restarting`,
    );
    entry.timer = setTimeout(() => void this.restart(entry), delayMs);
  }

  private async restart(entry: Supervised): Promise<void> {
    if (this.stopping) return;
    const child = this.spawn(entry.spec);
    entry.child = child;
    this.watch(entry);
    this.record();
    let line: string;
    try {
      line = await child.waitForLine(entry.spec.ready, entry.spec.readyTimeoutMs);
    } catch {
      // Exited before ready: the exit watcher counts it. Hung: kill it, and the watcher counts that.
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      return;
    }
    if (this.stopping || entry.child !== child) return;
    entry.state = 'running';
    entry.restarts += 1;
    const downSeconds = entry.downSince ? (Date.now() - entry.downSince) / 1000 : 0;
    entry.downSince = undefined;
    this.record();
    this.options.log.info({ child: entry.spec.name, childPid: child.process.pid, restarts: entry.restarts, downSeconds }, `${entry.spec.name} restarted`);
    entry.spec.onReady?.(line);
  }

  private record(): void {
    writeProcessState(this.options.dataDir, {
      supervisorPid: process.pid,
      startedAt: this.startedAt,
      children: this.children.map((c) => ({
        name: c.spec.name,
        state: c.state,
        pid: c.state === 'running' || c.state === 'starting' || c.state === 'stopping' ? (c.child.process.pid ?? null) : null,
        restarts: c.restarts,
        lastExit: c.lastExit,
      })),
    });
  }
}
