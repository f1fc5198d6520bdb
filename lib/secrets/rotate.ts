import pg from 'pg';
import type { PrismaClient } from '../db/client';
import { recordAudit } from '../audit/record';
import { decryptLegacySecret, decryptSecret, encryptSecret, LEGACY_VERSION, parseEnvelope, SecretError, type MasterKey } from './envelope';
import { SECRET_COLUMNS } from './columns';
import type { Keyring } from './keyring';

/** One SQL call, over a pg client or a Prisma transaction: rotation runs from a CLI, the upgrade at start-up. */
type Sql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface RotationResult {
  reencrypted: number;
  alreadyCurrent: number;
  /** kw1 envelopes (bound to their column only) rewritten as kw2 (bound to their row). */
  upgraded: number;
}

function openAny(ring: readonly MasterKey[], value: string, purpose: string, binding: string[]): string {
  return parseEnvelope(value).version === LEGACY_VERSION ? decryptLegacySecret(ring, value, purpose) : decryptSecret(ring, value, purpose, binding);
}

/** Re-seals every envelope that is not kw2 under `next` (or, with `all`, every envelope not on `next`). */
async function reseal(sql: Sql, ring: readonly MasterKey[], next: MasterKey, all: boolean): Promise<RotationResult> {
  const result: RotationResult = { reencrypted: 0, alreadyCurrent: 0, upgraded: 0 };
  for (const column of SECRET_COLUMNS) {
    for (const row of await sql(column.select)) {
      const value = String(row.value);
      const parsed = parseEnvelope(value);
      const legacy = parsed.version === LEGACY_VERSION;
      if (!legacy && (!all || parsed.keyId === next.id)) {
        result.alreadyCurrent += 1;
        continue;
      }
      const binding = column.binding(row);
      const plaintext = openAny(ring, value, column.purpose, binding);
      await sql(`UPDATE "${column.table}" SET "${column.column}" = $1 WHERE "id" = $2`, [encryptSecret(next, plaintext, column.purpose, binding), row.id]);
      if (legacy) result.upgraded += 1;
      if (all && parsed.keyId !== next.id) result.reencrypted += 1;
    }
  }
  return result;
}

/**
 * Re-encrypts every secret column under `next`, in one transaction with the rows locked, so a
 * concurrent writer either sees all old or all new envelopes; the rotation's audit row is part
 * of the same transaction. `oldKeys` must hold every key any row may use; `next` should be in it
 * too when a previous rotation was interrupted.
 */
export async function reencryptAllSecrets(connectionString: string, oldKeys: readonly MasterKey[], next: MasterKey, audit: { by: string } = { by: 'rotate-master-key' }): Promise<RotationResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const ring = [next, ...oldKeys.filter((k) => k.id !== next.id)];
  const sql: Sql = async (text, params) => (await client.query(text, params)).rows as Record<string, unknown>[];
  try {
    await client.query('BEGIN');
    const result = await reseal(sql, ring, next, true);
    await client.query(
      `INSERT INTO "AuditEvent" ("id", "actorType", "actorName", "action", "outcome", "targetType", "details") VALUES ($1, 'system', $2, 'secrets.rotate', 'success', 'master-key', $3)`,
      [`rot-${Date.now().toString(36)}-${next.id}`, audit.by, JSON.stringify({ newKeyId: next.id, retiredKeyIds: oldKeys.map((k) => k.id).filter((id) => id !== next.id), ...result })],
    );
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function prismaSql(tx: Pick<PrismaClient, '$queryRawUnsafe'>): Sql {
  return (text, params = []) => tx.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params);
}

/** The master key ids the stored envelopes name. */
export async function storedKeyIds(prisma: Pick<PrismaClient, '$queryRawUnsafe'>): Promise<string[]> {
  const ids = new Set<string>();
  for (const { table, column } of SECRET_COLUMNS) {
    const rows = await prisma.$queryRawUnsafe<{ key_id: string }[]>(`SELECT DISTINCT split_part("${column}", '.', 2) AS key_id FROM "${table}" WHERE "${column}" IS NOT NULL`);
    for (const row of rows) ids.add(row.key_id);
  }
  return [...ids].sort();
}

/**
 * Start-up check: every master key the database's envelopes name must be in the keyring.
 * A missing key means those secrets are lost until it is restored; starting anyway would look
 * healthy and then fail at the first poll, or worse, invite re-entering secrets under a new key.
 */
export async function assertKeyringCoversStoredSecrets(prisma: Pick<PrismaClient, '$queryRawUnsafe'>, keyring: Keyring): Promise<void> {
  const known = new Set(keyring.all.map((k) => k.id));
  const missing = (await storedKeyIds(prisma)).filter((id) => !known.has(id));
  if (missing.length > 0) {
    const where = keyring.source === 'env' ? 'KEYWATCH_MASTER_KEY / KEYWATCH_MASTER_KEY_PREVIOUS' : keyring.file;
    throw new SecretError(
      `Stored secrets were encrypted with master key ${missing.join(', ')}, which is not in ${where}: restore that key (from your backup of master.key or the variable) before starting Keywatch.`,
    );
  }
}

/** Start-up: rewrites kw1 envelopes (column-bound) as kw2 (row-bound) under the current key, in one transaction. */
export async function upgradeLegacySecrets(prisma: PrismaClient, keyring: Keyring): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      const { upgraded } = await reseal(prismaSql(tx), keyring.all, keyring.current, false);
      if (upgraded > 0) {
        await recordAudit(tx, { actor: { type: 'system', name: 'bootstrap' }, action: 'secrets.upgrade', outcome: 'success', target: { type: 'master-key', id: keyring.current.id }, details: { upgraded, to: 'kw2 (row-bound)' } });
      }
      return upgraded;
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}
