import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM envelope for secrets stored in the database. Text form:
 *   kw1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>
 * keyId names the master key (so rotation knows which rows still use an old key); the
 * purpose string is bound as additional authenticated data, so a ciphertext copied from one
 * column into another does not decrypt.
 */
const VERSION = 'kw1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

export class SecretError extends Error {
  override name = 'SecretError';
}

export interface MasterKey {
  id: string;
  key: Buffer;
}

export function masterKeyFromBytes(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) throw new SecretError(`A master key must be ${MASTER_KEY_BYTES} bytes; got ${key.length}.`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

export function encryptSecret(master: MasterKey, plaintext: string, purpose: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, master.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export interface ParsedEnvelope {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function parseEnvelope(text: string): ParsedEnvelope {
  const parts = text.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretError('The stored secret is not a kw1 envelope.');
  const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  const parsed = { keyId, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) throw new SecretError('The stored secret envelope is truncated.');
  return parsed;
}

/** Decrypts with whichever key of the ring the envelope names. */
export function decryptSecret(keys: readonly MasterKey[], envelope: string, purpose: string): string {
  const parsed = parseEnvelope(envelope);
  const master = keys.find((k) => k.id === parsed.keyId);
  if (!master) throw new SecretError(`The stored secret was encrypted with master key ${parsed.keyId}, which is not configured.`);
  const decipher = createDecipheriv('aes-256-gcm', master.key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretError('The stored secret failed authentication: wrong key, wrong column or tampered data.');
  }
}
