import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CryptographicAlgorithm, ObjectType, State } from '@/lib/kmip/enums';
import { KeyStore, KeyStoreFileError } from './key-store';

const aes = { objectType: ObjectType.SymmetricKey, algorithm: CryptographicAlgorithm.Aes, lengthBits: 256, usageMask: 12, names: ['k'] };

describe('lab KMS key store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keywatch-keystore-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates Pre-Active keys with fresh random material and unique ids', () => {
    const store = KeyStore.inMemory();
    const a = store.create(aes);
    const b = store.create(aes);
    expect(a.id).not.toBe(b.id);
    expect(a.state).toBe(State.PreActive);
    expect(a.material).not.toBe(b.material);
    expect(Buffer.from(a.material ?? '', 'base64')).toHaveLength(32);
  });

  it('returns copies, so callers cannot change the store behind its back', () => {
    const store = KeyStore.inMemory();
    const key = store.create(aes);
    const copy = store.get(key.id)!;
    copy.state = State.Destroyed;
    expect(store.get(key.id)?.state).toBe(State.PreActive);
  });

  it('persists to JSON atomically and loads it again', async () => {
    const file = path.join(dir, 'nested', 'kms-1.json');
    const store = await KeyStore.open(file);
    const key = store.create(aes);
    store.update(key.id, (k) => ({ ...k, state: State.Active }));
    await Promise.all([store.flush(), store.flush(), store.flush()]);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const reopened = await KeyStore.open(file);
    expect(reopened.get(key.id)).toEqual(store.get(key.id));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, keys: [{ id: key.id, state: State.Active }] });

    reopened.delete(key.id);
    await reopened.flush();
    expect((await KeyStore.open(file)).size).toBe(0);
  });

  it('refuses a corrupt file with a clear error instead of starting empty', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{"version":1,"keys":[{"id":""}]}');
    await expect(KeyStore.open(file)).rejects.toThrow(KeyStoreFileError);
    await writeFile(file, 'not json');
    await expect(KeyStore.open(file)).rejects.toThrow(/not valid JSON/);
  });

  it('reports a failed write to the caller and still writes on the next flush', async () => {
    const blocker = path.join(dir, 'sub');
    const store = await KeyStore.open(path.join(blocker, 'kms.json'));
    store.create(aes);
    // A plain file where the store's directory should be: the write cannot succeed.
    await writeFile(blocker, '');
    await expect(store.flush()).rejects.toThrow();
    await rm(blocker);
    await store.flush();
    expect((await KeyStore.open(path.join(blocker, 'kms.json'))).size).toBe(1);
  });
});
