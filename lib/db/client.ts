import { PrismaPg } from '@prisma/adapter-pg';
import { getEnv } from '../config/server-env';
import { PrismaClient, type Prisma } from './generated/client';

export type { PrismaClient } from './generated/client';
/**
 * What domain functions that write take: the client or an interactive transaction's client, so a
 * route can run a change and its audit row in one transaction.
 */
export type Db = Prisma.TransactionClient;

export function createPrismaClient(connectionString: string, max = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max }) });
}

const globalForPrisma = globalThis as unknown as { keywatchPrisma?: PrismaClient };

/**
 * The process-wide client for the web server. Next's dev server reloads modules, so the client
 * lives on globalThis to avoid opening a new pool on every reload.
 */
export function getPrisma(): PrismaClient {
  if (!globalForPrisma.keywatchPrisma) {
    const url = getEnv().DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set; start Keywatch with `npm start`.');
    globalForPrisma.keywatchPrisma = createPrismaClient(url);
  }
  return globalForPrisma.keywatchPrisma;
}
