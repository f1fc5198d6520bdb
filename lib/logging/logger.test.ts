import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON line naming the process, the target and the reason', () => {
    const { lines, destination } = capture();
    createLogger('worker', { destination }).warn({ target: 'vc-1' }, 'poll failed: connection refused');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ process: 'worker', target: 'vc-1', msg: 'poll failed: connection refused', level: 40 });
    expect(typeof line.time).toBe('string');
  });

  it('redacts secret-looking fields a caller passed by mistake', () => {
    const { lines, destination } = capture();
    createLogger('worker', { destination }).info({ password: 'hunter2', creds: { token: 'kw_abc' } }, 'x');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('kw_abc');
    expect(JSON.parse(lines[0]!).password).toBe('[redacted]');
  });

  it('honours the level', () => {
    const { lines, destination } = capture();
    createLogger('lab', { destination, level: 'warn' }).info('hidden');
    expect(lines).toHaveLength(0);
  });
});
