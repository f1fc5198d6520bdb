import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';

// `npx tsx scripts/prisma-generate.ts`, kept for habit: the generation itself lives in scripts/launch.mjs
// (`npm run db:generate`), which must run before anything TypeScript can import the client.
runEntryPoint(import.meta.url, {
  name: 'prisma-generate',
  usage: 'usage: npm run db:generate   (generates the Prisma client into lib/db/generated when the schema changed)',
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    const result = spawnSync(process.execPath, [path.join(import.meta.dirname, 'launch.mjs'), 'prisma-client'], { stdio: 'inherit' });
    return result.status ?? 1;
  },
});
