import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { State } from '@/lib/kmip/enums';

/**
 * The managed objects of one lab KMS node. Only symmetric keys exist in the lab (vCenter asks
 * for AES-256 KEKs). Records are plain JSON so that the persisted file can be read by a human
 * debugging the lab; key material is stored because this *is* the key server.
 */

const storedKeySchema = z.object({
  id: z.string().min(1),
  objectType: z.number().int(),
  algorithm: z.number().int(),
  lengthBits: z.number().int().positive(),
  usageMask: z.number().int().nonnegative(),
  /** base64 of the raw key bytes; removed when the key is destroyed. */
  material: z.string().optional(),
  names: z.array(z.string()),
  state: z.number().int(),
  initialDate: z.iso.datetime(),
  activationDate: z.iso.datetime().optional(),
  deactivationDate: z.iso.datetime().optional(),
  compromiseDate: z.iso.datetime().optional(),
  compromiseOccurrenceDate: z.iso.datetime().optional(),
  destroyDate: z.iso.datetime().optional(),
  revocationReason: z.object({ code: z.number().int(), message: z.string().optional() }).optional(),
  lastChangeDate: z.iso.datetime(),
  /** Client identity (certificate CN) that created the key. */
  owner: z.string().optional(),
});

export type StoredKey = z.infer<typeof storedKeySchema>;

const storeFileSchema = z.object({ version: z.literal(1), keys: z.array(storedKeySchema) });

export class KeyStoreFileError extends Error {
  override readonly name = 'KeyStoreFileError';
}

export interface NewKeyParams {
  objectType: number;
  algorithm: number;
  lengthBits: number;
  usageMask: number;
  names: string[];
  owner?: string;
  /** Activation Date given at creation; a date not in the future activates the key at once. */
  activationDate?: Date;
  id?: string;
}

export class KeyStore {
  private readonly keys = new Map<string, StoredKey>();
  private writing: Promise<unknown> = Promise.resolve();
  private dirty = false;

  private constructor(readonly filePath: string | undefined) {}

  /** A store kept in memory only. */
  static inMemory(): KeyStore {
    return new KeyStore(undefined);
  }

  /** A store persisted as JSON in `filePath`, loading what is already there. */
  static async open(filePath: string): Promise<KeyStore> {
    const store = new KeyStore(filePath);
    let text: string | undefined;
    try {
      text = await readFile(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new KeyStoreFileError(`The lab KMS key store ${filePath} is not valid JSON.`);
      }
      const parsed = storeFileSchema.safeParse(json);
      if (!parsed.success) throw new KeyStoreFileError(`The lab KMS key store ${filePath} does not have the expected shape: ${z.prettifyError(parsed.error)}`);
      for (const key of parsed.data.keys) store.keys.set(key.id, key);
    }
    return store;
  }

  get size(): number {
    return this.keys.size;
  }

  get(id: string): StoredKey | undefined {
    const key = this.keys.get(id);
    return key ? { ...key } : undefined;
  }

  list(): StoredKey[] {
    return [...this.keys.values()].map((k) => ({ ...k }));
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }

  create(params: NewKeyParams, now = new Date()): StoredKey {
    const id = params.id ?? randomUUID();
    if (this.keys.has(id)) throw new Error(`A key with id ${id} already exists.`);
    const activeNow = params.activationDate !== undefined && params.activationDate.getTime() <= now.getTime();
    const key: StoredKey = {
      id,
      objectType: params.objectType,
      algorithm: params.algorithm,
      lengthBits: params.lengthBits,
      usageMask: params.usageMask,
      material: randomBytes(params.lengthBits / 8).toString('base64'),
      names: [...params.names],
      state: activeNow ? State.Active : State.PreActive,
      initialDate: now.toISOString(),
      ...(params.activationDate && { activationDate: params.activationDate.toISOString() }),
      lastChangeDate: now.toISOString(),
      ...(params.owner !== undefined && { owner: params.owner }),
    };
    this.keys.set(id, key);
    this.dirty = true;
    return { ...key };
  }

  /** Replaces (or inserts) a record as is: how replication copies a key from another node. */
  put(key: StoredKey): void {
    this.keys.set(key.id, { ...key, names: [...key.names] });
    this.dirty = true;
  }

  update(id: string, change: (key: StoredKey) => StoredKey): StoredKey | undefined {
    const current = this.keys.get(id);
    if (!current) return undefined;
    const next = change({ ...current, names: [...current.names] });
    this.keys.set(id, next);
    this.dirty = true;
    return { ...next };
  }

  delete(id: string): boolean {
    const removed = this.keys.delete(id);
    if (removed) this.dirty = true;
    return removed;
  }

  /**
   * Writes pending changes (write to a temporary file, then rename, so a crash leaves either the
   * old or the new file). Concurrent callers share writes; a no-op for in-memory stores.
   */
  flush(): Promise<void> {
    if (!this.filePath) return Promise.resolve();
    const filePath = this.filePath;
    const write = async (): Promise<void> => {
      if (!this.dirty) return;
      this.dirty = false;
      const body = JSON.stringify({ version: 1, keys: [...this.keys.values()] }, null, 1);
      const tmp = `${filePath}.${process.pid}.${randomUUID()}.tmp`;
      try {
        await mkdir(path.dirname(filePath), { recursive: true });
        await writeFile(tmp, body, { mode: 0o600 });
        await rename(tmp, filePath);
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    };
    const next = this.writing.then(write, write);
    // A failed write is reported to its caller; later flushes must still run.
    this.writing = next.catch(() => undefined);
    return next;
  }
}
