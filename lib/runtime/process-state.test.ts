import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processStateFile, readProcessState, writeProcessState, type ProcessState } from './process-state';

describe('processes.json', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keywatch-process-state-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const at = new Date().toISOString();
  const state = (supervisorPid: number): ProcessState => ({
    supervisorPid,
    startedAt: at,
    children: [{ name: 'db', state: 'restarting', pid: null, restarts: 2, lastExit: { code: null, signal: 'SIGKILL', at } }],
  });

  it('reads back what a live supervisor wrote', () => {
    writeProcessState(dataDir, state(process.pid));
    expect(readProcessState(dataDir)).toEqual(state(process.pid));
  });

  it('ignores the file of a supervisor that is gone (killed with SIGKILL, it could not remove it)', () => {
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeProcessState(dataDir, state(gone));
    expect(readProcessState(dataDir)).toBeNull();
  });

  it('ignores a file it cannot understand instead of failing /api/health', () => {
    writeFileSync(processStateFile(dataDir), '{"supervisorPid": "x"');
    expect(readProcessState(dataDir)).toBeNull();
    expect(readProcessState(path.join(dataDir, 'missing'))).toBeNull();
  });
});
