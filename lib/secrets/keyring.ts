import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { getEnv } from '../config/server-env';
import type { SecretPurpose } from './columns';
import { decryptSecret, encryptSecret, MASTER_KEY_BYTES, masterKeyFromBytes, SecretError, type MasterKey } from './envelope';

export { SecretError } from './envelope';

/**
 * The master keys this process can use: `current` encrypts, every key in `all` decrypts.
 * Source: KEYWATCH_MASTER_KEY (base64 or hex of 32 bytes; KEYWATCH_MASTER_KEY_PREVIOUS lists
 * retired keys, comma-separated) or, for the embedded default, <dataDir>/master.key (mode 0600,
 * one base64 key per line, current first).
 */
export interface Keyring {
  current: MasterKey;
  all: MasterKey[];
  source: 'env' | 'file';
  file?: string;
}

export const MASTER_KEY_FILE = 'master.key';
const KEY_FILE_HEADER = '# Keywatch master keys: the first line encrypts, every line decrypts. Keep this file secret.';

export function decodeMasterKey(text: string, what: string): MasterKey {
  const trimmed = text.trim();
  let bytes: Buffer;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  else throw new SecretError(`${what} must be 32 random bytes written as base64 or 64 hex digits.`);
  if (bytes.length !== MASTER_KEY_BYTES) throw new SecretError(`${what} must be 32 random bytes written as base64 or 64 hex digits.`);
  return masterKeyFromBytes(bytes);
}

const secretsEnvSchema = z.object({
  KEYWATCH_MASTER_KEY: z.string().min(1).optional(),
  KEYWATCH_MASTER_KEY_PREVIOUS: z.string().min(1).optional(),
});

export function generateMasterKeyText(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

function readKeyFile(file: string): MasterKey[] {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SecretError(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it.`);
  }
  const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
  if (lines.length === 0) throw new SecretError(`${file} holds no master key.`);
  return lines.map((line, i) => decodeMasterKey(line, `Line ${i + 1} of ${file}`));
}

/** Writes the key file atomically with mode 0600 (temp file, then rename). */
export function writeKeyFile(file: string, keys: readonly string[]): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${KEY_FILE_HEADER}\n${keys.join('\n')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * The keyring from KEYWATCH_MASTER_KEY or the key file. Without the file, `create` (default true)
 * generates one; the start sequence passes false when the database already holds envelopes, so a
 * lost key file is reported instead of being silently replaced by a key that opens nothing.
 */
export function loadKeyring(source: Record<string, string | undefined>, dataDir: string, options: { create?: boolean } = {}): Keyring {
  const env = secretsEnvSchema.parse({
    KEYWATCH_MASTER_KEY: source.KEYWATCH_MASTER_KEY || undefined,
    KEYWATCH_MASTER_KEY_PREVIOUS: source.KEYWATCH_MASTER_KEY_PREVIOUS || undefined,
  });
  if (env.KEYWATCH_MASTER_KEY) {
    const current = decodeMasterKey(env.KEYWATCH_MASTER_KEY, 'KEYWATCH_MASTER_KEY');
    const previous = (env.KEYWATCH_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .filter((s) => s.trim().length > 0)
      .map((s, i) => decodeMasterKey(s, `KEYWATCH_MASTER_KEY_PREVIOUS entry ${i + 1}`));
    return { current, all: [current, ...previous], source: 'env' };
  }
  const file = path.join(dataDir, MASTER_KEY_FILE);
  if (!existsSync(file)) {
    if (options.create === false) {
      throw new SecretError(
        `The master key file ${file} is missing, but the database holds secrets encrypted with a master key: restore the file from your backup (or set KEYWATCH_MASTER_KEY). Keywatch will not generate a new key that cannot open them.`,
      );
    }
    try {
      // 'wx' so two processes starting together cannot both create (and disagree on) the key.
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(file, `${KEY_FILE_HEADER}\n${generateMasterKeyText()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const all = readKeyFile(file);
  return { current: all[0]!, all, source: 'file', file };
}

/**
 * Encrypt / decrypt bound to one keyring; what the rest of the code holds. Purposes are limited
 * to SECRET_COLUMNS so that nothing can be sealed in a column that rotation does not walk; the
 * binding comes from that column's binding function (vcenterBinding, kmsBinding, userBinding).
 */
export class SecretBox {
  constructor(readonly keyring: Keyring) {}

  seal(plaintext: string, purpose: SecretPurpose, binding: readonly string[]): string {
    return encryptSecret(this.keyring.current, plaintext, purpose, binding);
  }

  open(envelope: string, purpose: SecretPurpose, binding: readonly string[]): string {
    return decryptSecret(this.keyring.all, envelope, purpose, binding);
  }
}

let cachedBox: SecretBox | undefined;

/**
 * The process-wide SecretBox, from the environment (and data dir) of this process. It never
 * creates the key file: `npm start` does that before the web server runs (bootstrapAtStart).
 */
export function getSecretBox(): SecretBox {
  cachedBox ??= new SecretBox(loadKeyring(process.env, getEnv().dataDir, { create: false }));
  return cachedBox;
}
