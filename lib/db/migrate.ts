import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { readMigrations, type MigrationFile } from './migrations';

/**
 * Applies prisma/migrations without Prisma's native schema engine, which cannot be downloaded
 * on our machines. The bookkeeping table and lock are Prisma's own, so `prisma migrate deploy`
 * on a connected machine sees the same history and agrees that nothing is pending.
 */

// Prisma's advisory lock key for migrate commands: holding it keeps a concurrent
// `prisma migrate deploy` (or a second Keywatch) from applying the same migration twice.
const PRISMA_MIGRATE_LOCK = 72707369;

const CREATE_BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function migrate(
  connectionString: string,
  migrations: MigrationFile[] = readMigrations(),
): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    try {
      await client.query(CREATE_BOOKKEEPING);
      const { rows } = await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
      );
      const done = new Map(
        rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]),
      );
      const result: MigrateResult = { applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        const previous = done.get(migration.name);
        if (previous) {
          if (previous.finished_at === null) {
            throw new MigrationError(
              `Migration ${migration.name} started earlier and did not finish; fix the database by hand, then mark it rolled back in "_prisma_migrations".`,
            );
          }
          if (previous.checksum !== migration.checksum) {
            throw new MigrationError(
              `Migration ${migration.name} was edited after it was applied; restore its migration.sql and add a new migration instead.`,
            );
          }
          result.alreadyApplied.push(migration.name);
          continue;
        }
        await applyOne(client, migration);
        result.applied.push(migration.name);
      }
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
    }
  } finally {
    await client.end();
  }
}

async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
    [id, migration.checksum, migration.name],
  );
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    const message = error instanceof Error ? error.message : String(error);
    // Leave the row unfinished with the error in `logs`, as Prisma does, so the failure is visible.
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    throw new MigrationError(`Migration ${migration.name} failed: ${message}`);
  }
  await client.query(
    'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
    [id],
  );
}
