import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, masterKeyFromBytes, parseEnvelope, SecretError } from './envelope';
import { loadKeyring, MASTER_KEY_FILE, SecretBox } from './keyring';

const key = masterKeyFromBytes(Buffer.alloc(32, 7));
const other = masterKeyFromBytes(Buffer.alloc(32, 8));

describe('AES-256-GCM envelope', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the envelope', () => {
    const a = encryptSecret(key, 'hunter2-vcenter', 'VcenterTarget.password');
    const b = encryptSecret(key, 'hunter2-vcenter', 'VcenterTarget.password');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(a.startsWith(`kw1.${key.id}.`)).toBe(true);
    expect(decryptSecret([key], a, 'VcenterTarget.password')).toBe('hunter2-vcenter');
    const parsed = parseEnvelope(a);
    expect(parsed.iv).toHaveLength(12);
    expect(parsed.tag).toHaveLength(16);
    expect(parsed.ciphertext).toHaveLength(Buffer.byteLength('hunter2-vcenter'));
  });

  it('refuses a tampered ciphertext, another column purpose, an unknown key, garbage', () => {
    const env = encryptSecret(key, 'secret', 'p');
    const parts = env.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0]! ^= 1;
    parts[4] = ct.toString('base64url');
    expect(() => decryptSecret([key], parts.join('.'), 'p')).toThrow(/failed authentication/);
    expect(() => decryptSecret([key], env, 'q')).toThrow(/failed authentication/);
    expect(() => decryptSecret([other], env, 'p')).toThrow(/not configured/);
    expect(() => decryptSecret([key], 'plain text', 'p')).toThrow(SecretError);
    expect(() => decryptSecret([key], 'kw1.a.b.c.d', 'p')).toThrow(/truncated/);
  });

  it('decrypts with any key of the ring (rotation in progress)', () => {
    const env = encryptSecret(other, 'x', 'p');
    expect(decryptSecret([key, other], env, 'p')).toBe('x');
  });
});

describe('master key source', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'kw-keyring-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('generates .data/master.key with mode 0600 and reuses it', () => {
    const dir = tmp();
    const first = loadKeyring({}, dir);
    const file = path.join(dir, MASTER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.source).toBe('file');
    expect(loadKeyring({}, dir).current.id).toBe(first.current.id);
    const box = new SecretBox(first);
    expect(new SecretBox(loadKeyring({}, dir)).open(box.seal('s', 'VcenterTarget.password'), 'VcenterTarget.password')).toBe('s');
    expect(readFileSync(file, 'utf8')).not.toContain(first.current.id);
  });

  it('refuses a key file other users can read', () => {
    const dir = tmp();
    loadKeyring({}, dir);
    chmodSync(path.join(dir, MASTER_KEY_FILE), 0o644);
    expect(() => loadKeyring({}, dir)).toThrow(/chmod 600/);
  });

  it('takes KEYWATCH_MASTER_KEY (base64 or hex) and KEYWATCH_MASTER_KEY_PREVIOUS; rejects short keys', () => {
    const raw = randomBytes(32);
    const previous = randomBytes(32);
    const ring = loadKeyring({ KEYWATCH_MASTER_KEY: raw.toString('base64'), KEYWATCH_MASTER_KEY_PREVIOUS: previous.toString('hex') }, tmp());
    expect(ring.source).toBe('env');
    expect(ring.current.key.equals(raw)).toBe(true);
    expect(ring.all).toHaveLength(2);
    expect(() => loadKeyring({ KEYWATCH_MASTER_KEY: 'c2hvcnQ=' }, tmp())).toThrow(/KEYWATCH_MASTER_KEY must be 32 random bytes/);
  });
});
