import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, parseGateArgs, runGate } from './gate-cli';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      fetch: globalThis.fetch,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    },
  };
};

describe('parseGateArgs', () => {
  it('takes the host, action, json and wait, with KEYWATCH_URL defaulting to the local dashboard', () => {
    expect(parseGateArgs(['esx-01', '--action', 'enter-maintenance', '--json', '--wait', '30'], { KEYWATCH_TOKEN: 'kw_x' })).toEqual({
      host: 'esx-01',
      action: 'enter-maintenance',
      json: true,
      wait: 30,
      url: 'http://127.0.0.1:3000',
      token: 'kw_x',
    });
  });

  it.each([
    [[], { KEYWATCH_TOKEN: 't' }, /HOST/],
    [['h'], {}, /KEYWATCH_TOKEN is not set/],
    [['h', '--action', 'shutdown'], { KEYWATCH_TOKEN: 't' }, /--action must be one of/],
    [['h', '--wait', '-1'], { KEYWATCH_TOKEN: 't' }, /--wait/],
    [['h', 'i'], { KEYWATCH_TOKEN: 't' }, /one HOST expected/],
    [['h', '--bogus'], { KEYWATCH_TOKEN: 't' }, /bogus/],
    [['h'], { KEYWATCH_TOKEN: 't', KEYWATCH_URL: 'ftp://x' }, /KEYWATCH_URL/],
  ])('refuses %j with a clear line', (argv, env, message) => {
    expect(() => parseGateArgs(argv, env)).toThrow(message);
  });
});

describe('runGate', () => {
  it('exits 2 with the usage line when the token is missing, without calling Keywatch', async () => {
    const t = io();
    let called = false;
    t.io.fetch = (async () => {
      called = true;
      throw new Error('no');
    }) as typeof fetch;
    expect(await runGate(['esx-01'], {}, t.io)).toBe(EXIT_USAGE);
    expect(called).toBe(false);
    expect(t.err.join('\n')).toMatch(/KEYWATCH_TOKEN is not set[\s\S]*usage: npm run gate/);
  });

  it('exits 2 saying Keywatch is unreachable when nothing listens', async () => {
    const t = io();
    expect(await runGate(['esx-01'], { KEYWATCH_TOKEN: 'kw_x', KEYWATCH_URL: 'http://127.0.0.1:9' }, t.io)).toBe(EXIT_USAGE);
    expect(t.err[0]).toMatch(/unreachable/);
  });
});
