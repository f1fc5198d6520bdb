import { afterAll, beforeAll } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../client';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * A fresh migrated database and a client for one test file (`db()` inside tests), dropped after
 * the file: the set-up every database test repeats.
 */
export function useTestDatabase(poolSize = 2): { db(): { url: string; prisma: PrismaClient } } {
  let database: TestDatabase | undefined;
  let prisma: PrismaClient | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = createPrismaClient(database.url, poolSize);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });
  return {
    db() {
      if (!database || !prisma) throw new Error('useTestDatabase: the database is only there inside tests.');
      return { url: database.url, prisma };
    },
  };
}
