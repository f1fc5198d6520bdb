/**
 * A worker process for the "killed mid-cycle" test: claims the due vCenter and runs one cycle.
 * The test SIGKILLs it while its transaction is open. Args: <database url> <master key base64>.
 */
import { createPrismaClient } from '../../db/client';
import { createLogger } from '../../logging/logger';
import { pollDue } from '../due-targets';
import { RowCache } from '../cycle';
import { DEFAULT_SETTINGS, testBox } from './harness';

const [url, masterKey] = process.argv.slice(2);
if (!url || !masterKey) {
  console.error('usage: victim-worker.ts <database url> <master key base64>');
  process.exit(2);
}
const prisma = createPrismaClient(url, 2);
const results = await pollDue(
  { prisma, box: testBox(masterKey), workerId: 'victim', now: () => new Date(), logger: createLogger('victim', { level: 'warn' }), settings: DEFAULT_SETTINGS, cache: new RowCache() },
  'vcenter',
  1,
);
console.log(JSON.stringify(results));
await prisma.$disconnect();
