import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One folder of prisma/migrations, read the way Prisma reads it. */
export interface MigrationFile {
  name: string;
  sql: string;
  /** Prisma records the SHA-256 of migration.sql; `prisma migrate deploy` compares against it. */
  checksum: string;
}

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations');

export function readMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`No migrations folder at ${dir}.`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      if (!existsSync(file)) throw new Error(`Migration ${name} has no migration.sql.`);
      const sql = readFileSync(file, 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}
