import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { findFreePort } from '../ports';
import { readProcessState, type ProcessState } from '../process-state';
import { isProcessAlive, processTree, type ProcessInfo } from '../process-table';

/**
 * `npm start` as a user runs it, for the CI start smoke, the fault matrix and the footprint bench:
 * free ports, a fresh data directory, the admin password set; then wait for health, sign in, look
 * at the processes, stop it.
 */
export const ADMIN_PASSWORD = 'smoke-admin-password-1';
export const BOOTSTRAP_TOKEN = 'kw_smoke_bootstrap_token_0123456789abcdef';

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({ status: z.enum(['ok', 'error']) }).passthrough(),
  worker: z.object({ status: z.string(), alive: z.number() }).passthrough(),
  restarting: z.array(z.string()),
  processes: z.array(z.object({ name: z.string(), state: z.string(), pid: z.number().nullable() }).passthrough()).optional(),
});
export type Health = z.infer<typeof healthSchema>;

export interface KeywatchInstance {
  baseUrl: string;
  dataDir: string;
  databasePort: number;
  /** The `npm start` process. */
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The `npm start` process and everything below it. */
  tree(): ProcessInfo[];
  /** What the supervisor wrote to processes.json. */
  processState(): ProcessState | null;
  health(): Promise<{ httpStatus: number; body: Health } | null>;
  /** Resolves once /api/health says ok with a worker alive; rejects if npm start exits or time runs out. */
  waitHealthy(timeoutMs: number): Promise<Health>;
  /** Sends `signal` to npm start (SIGKILL: to its whole process group); waits, and kills what is left after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; leftBehind: ProcessInfo[] }>;
}

export async function startKeywatch(options: {
  cwd: string;
  dataDir?: string;
  port?: number;
  databasePort?: number;
  env?: Record<string, string>;
}): Promise<KeywatchInstance> {
  const port = options.port ?? (await findFreePort());
  const databasePort = options.databasePort ?? (await findFreePort());
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'keywatch-instance-'));
  // The caller's own Keywatch settings must not leak into this instance.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('KEYWATCH_') && !['DATABASE_URL', 'PORT', 'HOSTNAME', 'NODE_ENV'].includes(name)),
  );
  const child = spawn('npm', ['start'], {
    cwd: options.cwd,
    env: {
      ...inherited,
      PORT: String(port),
      KEYWATCH_EMBEDDED_DB_PORT: String(databasePort),
      KEYWATCH_DATA_DIR: dataDir,
      KEYWATCH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      KEYWATCH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      ...options.env,
    } as Record<string, string> as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a failed test can remove everything it started.
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const pid = child.pid!;
  const baseUrl = `http://127.0.0.1:${port}`;

  const health: KeywatchInstance['health'] = async () => {
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
      return { httpStatus: response.status, body: healthSchema.parse(await response.json()) };
    } catch {
      return null;
    }
  };

  return {
    baseUrl,
    dataDir,
    databasePort,
    pid,
    output: () => output,
    exited,
    tree: () => processTree(pid),
    processState: () => readProcessState(dataDir),
    health,
    async waitHealthy(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (done) throw new Error(`npm start exited before it was healthy:\n${output.slice(-3000)}`);
        const answer = await health();
        if (answer?.httpStatus === 200 && answer.body.status === 'ok' && answer.body.worker.status === 'alive') return answer.body;
        if (Date.now() > deadline) {
          throw new Error(`not healthy within ${timeoutMs / 1000} s (last answer: ${JSON.stringify(answer)}):\n${output.slice(-3000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      const before = processTree(pid);
      // SIGKILL is for cleaning up after a failure: everything npm start started goes with it.
      if (!done) process.kill(signal === 'SIGKILL' ? -pid : pid, signal);
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      // Children get a moment to finish exiting after npm itself has returned.
      const settle = Date.now() + 5_000;
      let leftBehind = before.filter((p) => isProcessAlive(p.pid));
      while (leftBehind.length > 0 && Date.now() < settle) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        leftBehind = leftBehind.filter((p) => isProcessAlive(p.pid));
      }
      for (const p of leftBehind) process.kill(p.pid, 'SIGKILL');
      return { ...exit, leftBehind };
    },
  };
}

/** Signs in with the admin password through the API, as the login form does; returns the Cookie header. */
export async function signInCookie(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

/** The overview page as a signed-in admin sees it: HTTP status and whether it rendered its heading. */
export async function fetchOverview(baseUrl: string, cookie: string): Promise<{ status: number; rendered: boolean }> {
  const response = await fetch(`${baseUrl}/`, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const html = await response.text();
  return { status: response.status, rendered: /<h1[^>]*>Overview<\/h1>/.test(html) };
}
