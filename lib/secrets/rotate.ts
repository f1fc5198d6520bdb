import pg from 'pg';
import { decryptSecret, encryptSecret, parseEnvelope, type MasterKey } from './envelope';
import { SECRET_COLUMNS } from './columns';

export interface RotationResult {
  reencrypted: number;
  alreadyCurrent: number;
}

/**
 * Re-encrypts every secret column under `next`, in one transaction with the rows locked, so a
 * concurrent writer either sees all old or all new envelopes. `oldKeys` must hold every key
 * any row may use; `next` should be in it too when a previous rotation was interrupted.
 */
export async function reencryptAllSecrets(connectionString: string, oldKeys: readonly MasterKey[], next: MasterKey): Promise<RotationResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const result: RotationResult = { reencrypted: 0, alreadyCurrent: 0 };
  const ring = [next, ...oldKeys.filter((k) => k.id !== next.id)];
  try {
    await client.query('BEGIN');
    for (const { table, column, purpose } of SECRET_COLUMNS) {
      const { rows } = await client.query<{ id: string; value: string }>(
        `SELECT "id", "${column}" AS value FROM "${table}" WHERE "${column}" IS NOT NULL FOR UPDATE`,
      );
      for (const row of rows) {
        if (parseEnvelope(row.value).keyId === next.id) {
          result.alreadyCurrent += 1;
          continue;
        }
        const plaintext = decryptSecret(ring, row.value, purpose);
        await client.query(`UPDATE "${table}" SET "${column}" = $1 WHERE "id" = $2`, [encryptSecret(next, plaintext, purpose), row.id]);
        result.reencrypted += 1;
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return result;
}
