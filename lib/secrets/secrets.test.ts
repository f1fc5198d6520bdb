import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { kmsBinding, vcenterBinding } from './columns';
import { decryptLegacySecret, decryptSecret, encryptLegacySecretForTests, encryptSecret, masterKeyFromBytes, parseEnvelope, SecretError } from './envelope';
import { loadKeyring, MASTER_KEY_FILE, SecretBox } from './keyring';

const key = masterKeyFromBytes(Buffer.alloc(32, 7));
const other = masterKeyFromBytes(Buffer.alloc(32, 8));
const ROW = ['row-1'];

describe('AES-256-GCM envelope', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the envelope', () => {
    const a = encryptSecret(key, 'hunter2-vcenter', 'VcenterTarget.password', ROW);
    const b = encryptSecret(key, 'hunter2-vcenter', 'VcenterTarget.password', ROW);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(a.startsWith(`kw2.${key.id}.`)).toBe(true);
    expect(decryptSecret([key], a, 'VcenterTarget.password', ROW)).toBe('hunter2-vcenter');
    const parsed = parseEnvelope(a);
    expect(parsed.iv).toHaveLength(12);
    expect(parsed.tag).toHaveLength(16);
    expect(parsed.ciphertext).toHaveLength(Buffer.byteLength('hunter2-vcenter'));
  });

  it('refuses a tampered ciphertext, another column purpose, an unknown key, garbage', () => {
    const env = encryptSecret(key, 'secret', 'p', ROW);
    const parts = env.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0]! ^= 1;
    parts[4] = ct.toString('base64url');
    expect(() => decryptSecret([key], parts.join('.'), 'p', ROW)).toThrow(/failed authentication/);
    expect(() => decryptSecret([key], env, 'q', ROW)).toThrow(/failed authentication/);
    expect(() => decryptSecret([other], env, 'p', ROW)).toThrow(/not configured/);
    expect(() => decryptSecret([key], 'plain text', 'p', ROW)).toThrow(SecretError);
    expect(() => decryptSecret([key], 'kw2.a.b.c.d', 'p', ROW)).toThrow(/truncated/);
  });

  it('decrypts with any key of the ring (rotation in progress)', () => {
    const env = encryptSecret(other, 'x', 'p', ROW);
    expect(decryptSecret([key, other], env, 'p', ROW)).toBe('x');
  });

  it('binds an envelope to its row and destination (issue 15, finding 10): copied to another row or re-pointed, it does not open', () => {
    const a = { id: 'vc-a', url: 'https://vc-a.example', username: 'svc' };
    const sealed = encryptSecret(key, 'a-password', 'VcenterTarget.password', vcenterBinding(a));
    expect(decryptSecret([key], sealed, 'VcenterTarget.password', vcenterBinding(a))).toBe('a-password');
    // Before: the AAD was the purpose alone, so every one of these opened the password.
    expect(() => decryptSecret([key], sealed, 'VcenterTarget.password', vcenterBinding({ ...a, id: 'vc-b' }))).toThrow(/failed authentication/);
    expect(() => decryptSecret([key], sealed, 'VcenterTarget.password', vcenterBinding({ ...a, url: 'https://attacker.example' }))).toThrow(/failed authentication/);
    expect(() => decryptSecret([key], sealed, 'VcenterTarget.password', vcenterBinding({ ...a, username: 'root' }))).toThrow(/failed authentication/);
    const k = kmsBinding({ id: 'kms-a', nodes: [{ host: 'KMS-1.example', port: 5696 }, { host: 'kms-2.example', port: 5696 }] });
    const keyEnv = encryptSecret(key, 'pem', 'KmsProvider.clientKey', k);
    // Node order and host case do not matter; another node does.
    expect(decryptSecret([key], keyEnv, 'KmsProvider.clientKey', kmsBinding({ id: 'kms-a', nodes: [{ host: 'kms-2.example', port: 5696 }, { host: 'kms-1.example', port: 5696 }] }))).toBe('pem');
    expect(() => decryptSecret([key], keyEnv, 'KmsProvider.clientKey', kmsBinding({ id: 'kms-a', nodes: [{ host: 'evil.example', port: 5696 }] }))).toThrow(/failed authentication/);
    // Binding parts cannot be shifted into one another.
    const shifted = encryptSecret(key, 'x', 'p', ['a.b', 'c']);
    expect(() => decryptSecret([key], shifted, 'p', ['a', 'b.c'])).toThrow(/failed authentication/);
  });

  it('reads an old kw1 envelope only through the upgrade path', () => {
    const legacy = encryptLegacySecretForTests(key, 'old', 'VcenterTarget.password');
    expect(() => decryptSecret([key], legacy, 'VcenterTarget.password', ROW)).toThrow(/old kw1 format/);
    expect(decryptLegacySecret([key], legacy, 'VcenterTarget.password')).toBe('old');
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
    expect(new SecretBox(loadKeyring({}, dir)).open(box.seal('s', 'VcenterTarget.password', ROW), 'VcenterTarget.password', ROW)).toBe('s');
    expect(readFileSync(file, 'utf8')).not.toContain(first.current.id);
  });

  it('does not replace a missing key file when asked not to create one (issue 15, finding 18)', () => {
    const dir = tmp();
    expect(() => loadKeyring({}, dir, { create: false })).toThrow(/master key file .* is missing.*restore the file/);
    expect(existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
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
