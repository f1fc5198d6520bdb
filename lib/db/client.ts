import { PrismaPg } from '@prisma/adapter-pg';
import { getEnv } from '../config/server-env';
import type { Logger } from '../logging/logger';
import { PrismaClient, type Prisma } from './generated/client';

export type { PrismaClient } from './generated/client';
/**
 * What domain functions that write take: the client or an interactive transaction's client, so a
 * route can run a change and its audit row in one transaction.
 */
export type Db = Prisma.TransactionClient;

/**
 * A Prisma client over a node-postgres pool. When the database restarts, the pool drops its broken
 * connections (reported to `log`, never thrown) and the next query connects again: callers see
 * failed queries during the outage, not a dead process (without `log`, one console line each). A connection attempt gives up after 5 s so
 * that a request (or /api/health) answers instead of hanging on an unreachable database.
 */
export function createPrismaClient(connectionString: string, max = 10, log?: Logger): PrismaClient {
  const report = (what: string) => (error: Error) =>
    log ? log.warn({ reason: error.message }, what) : console.warn(`${what}: ${error.message}`);
  const adapter = new PrismaPg(
    { connectionString, max, connectionTimeoutMillis: 5_000 },
    { onPoolError: report('idle database connection lost'), onConnectionError: report('database connection lost') },
  );
  return new PrismaClient({ adapter });
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
