import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

describe('parseEnv', () => {
  it('applies defaults', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.KEYWATCH_LAB).toBe('auto');
    expect(env.dataDir).toBe(path.resolve('.data'));
  });

  it('reads a port and a database URL', () => {
    const env = parseEnv({ PORT: '3100', DATABASE_URL: 'postgresql://u@h/db' });
    expect(env.PORT).toBe(3100);
    expect(env.DATABASE_URL).toBe('postgresql://u@h/db');
  });

  it.each([
    [{ PORT: 'abc' }, /PORT="abc" must be a number/],
    [{ PORT: '70000' }, /PORT="70000" must be between 1 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL="mysql:\/\/x" must start with postgresql:\/\//],
    [{ KEYWATCH_LAB: 'maybe' }, /KEYWATCH_LAB="maybe" must be auto, on or off/],
    [{ KEYWATCH_LABB: 'off' }, /Unknown setting KEYWATCH_LABB/],
  ])('rejects %o with one clear line', (input, message) => {
    expect(() => parseEnv(input)).toThrow(EnvError);
    expect(() => parseEnv(input)).toThrow(message);
  });

  it('reads the polling and retention settings, with defaults', () => {
    const env = parseEnv({ KEYWATCH_POLL_KMS_S: '5', KEYWATCH_SAMPLES_RAW_HOURS: '24' });
    expect(env.KEYWATCH_POLL_KMS_S).toBe(5);
    expect(env.KEYWATCH_POLL_VCENTER_S).toBe(30);
    expect(env.KEYWATCH_SAMPLES_RAW_HOURS).toBe(24);
    expect(env.KEYWATCH_SAMPLES_ROLLUP_DAYS).toBe(30);
    expect(() => parseEnv({ KEYWATCH_POLL_VCENTER_S: '1' })).toThrow(/KEYWATCH_POLL_VCENTER_S="1" must be between 5 and 3600 seconds/);
  });

  it('leaves settings owned by other modules to them', () => {
    expect(() => parseEnv({ KEYWATCH_MASTER_KEY: 'x', KEYWATCH_ADMIN_PASSWORD: 'y' })).not.toThrow();
  });
});
