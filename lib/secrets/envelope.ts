import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM envelope for secrets stored in the database. Text form:
 *   kw2.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>
 * keyId names the master key (so rotation knows which rows still use an old key). Bound as
 * additional authenticated data: the purpose (which column) and the row's binding — its id and
 * the address the secret is sent to (a vCenter's URL and user, a KMS provider's nodes) — so a
 * ciphertext copied to another column or another row, or left behind when the row is pointed
 * elsewhere, does not decrypt.
 *
 * kw1 envelopes (purpose only) are read solely by the upgrade in lib/secrets/rotate.ts, which
 * rewrites them as kw2 at start-up; `decryptSecret` refuses them.
 */
const VERSION = 'kw2';
export const LEGACY_VERSION = 'kw1';
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

/** Parts joined unambiguously: lengths first, so ["a.b", "c"] and ["a", "b.c"] differ. */
function additionalData(purpose: string, binding: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify([VERSION, purpose, ...binding]), 'utf8');
}

function seal(master: MasterKey, plaintext: string, version: string, aad: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [version, master.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function encryptSecret(master: MasterKey, plaintext: string, purpose: string, binding: readonly string[]): string {
  if (binding.length === 0) throw new SecretError('A secret must be bound to its row (id, and where it is sent).');
  return seal(master, plaintext, VERSION, additionalData(purpose, binding));
}

export interface ParsedEnvelope {
  version: string;
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function parseEnvelope(text: string): ParsedEnvelope {
  const parts = text.split('.');
  if (parts.length !== 5 || (parts[0] !== VERSION && parts[0] !== LEGACY_VERSION)) throw new SecretError('The stored secret is not a Keywatch envelope.');
  const [version, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  const parsed = { version, keyId, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) throw new SecretError('The stored secret envelope is truncated.');
  return parsed;
}

function open(keys: readonly MasterKey[], parsed: ParsedEnvelope, aad: Buffer): string {
  const master = keys.find((k) => k.id === parsed.keyId);
  if (!master) throw new SecretError(`The stored secret was encrypted with master key ${parsed.keyId}, which is not configured.`);
  const decipher = createDecipheriv('aes-256-gcm', master.key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretError('The stored secret failed authentication: wrong key, wrong column or row, or tampered data.');
  }
}

/** Decrypts a kw2 envelope with whichever key of the ring it names, for this purpose and row binding. */
export function decryptSecret(keys: readonly MasterKey[], envelope: string, purpose: string, binding: readonly string[]): string {
  const parsed = parseEnvelope(envelope);
  if (parsed.version !== VERSION) throw new SecretError('The stored secret is in the old kw1 format, which is no longer read; restart Keywatch to upgrade it.');
  return open(keys, parsed, additionalData(purpose, binding));
}

/** Reads a kw1 envelope (purpose-only binding): only for rewriting it as kw2. */
export function decryptLegacySecret(keys: readonly MasterKey[], envelope: string, purpose: string): string {
  const parsed = parseEnvelope(envelope);
  if (parsed.version !== LEGACY_VERSION) throw new SecretError('Not a kw1 envelope.');
  return open(keys, parsed, Buffer.from(purpose, 'utf8'));
}

/** Writes a kw1 envelope, as Keywatch did before rows were bound: for the upgrade's tests only. */
export function encryptLegacySecretForTests(master: MasterKey, plaintext: string, purpose: string): string {
  return seal(master, plaintext, LEGACY_VERSION, Buffer.from(purpose, 'utf8'));
}
