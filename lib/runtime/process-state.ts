import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from './process-table';

/**
 * What `npm start`'s supervisor says about its children, in `<data dir>/processes.json`, for
 * /api/health. A file rather than a database row: the process that is restarting may be the
 * database itself, and the supervisor stays free of database writes. The file names its
 * supervisor's pid; a file whose supervisor is gone (killed with SIGKILL) is ignored.
 */
export const PROCESS_STATE_FILE = 'processes.json';

export const CHILD_STATES = ['starting', 'running', 'restarting', 'stopping', 'stopped'] as const;

const exitSchema = z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), at: z.string() });

export const processStateSchema = z.object({
  supervisorPid: z.number().int().positive(),
  startedAt: z.string(),
  children: z.array(
    z.object({
      name: z.string(),
      state: z.enum(CHILD_STATES),
      pid: z.number().int().positive().nullable(),
      /** Restarts after an unexpected exit since `npm start` began. */
      restarts: z.number().int().min(0),
      lastExit: exitSchema.nullable(),
    }),
  ),
});

export type ProcessState = z.infer<typeof processStateSchema>;
export type ChildState = ProcessState['children'][number];

export function processStateFile(dataDir: string): string {
  return path.join(dataDir, PROCESS_STATE_FILE);
}

/** Write-then-rename, so a reader never sees half a file. */
export function writeProcessState(dataDir: string, state: ProcessState): void {
  const file = processStateFile(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

export function removeProcessState(dataDir: string): void {
  rmSync(processStateFile(dataDir), { force: true });
}

/** The supervisor's view, or null when no live supervisor wrote one (DATABASE_URL replicas, `npm run worker`). */
export function readProcessState(dataDir: string): ProcessState | null {
  let text: string;
  try {
    text = readFileSync(processStateFile(dataDir), 'utf8');
  } catch {
    return null;
  }
  let parsed: ProcessState;
  try {
    parsed = processStateSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
  return isProcessAlive(parsed.supervisorPid) ? parsed : null;
}
