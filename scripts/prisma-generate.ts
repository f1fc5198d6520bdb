import { spawnSync } from 'node:child_process';
import path from 'node:path';

// `npx tsx scripts/prisma-generate.ts`, kept for habit: the generation itself lives in scripts/launch.mjs
// (`npm run db:generate`), which must run before anything TypeScript can import the client.
const result = spawnSync(process.execPath, [path.join(import.meta.dirname, 'launch.mjs'), 'prisma-client'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
