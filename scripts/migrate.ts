import { parseEnv } from '../lib/config/env';
import { migrate } from '../lib/db/migrate';

// `npm run db:migrate`: apply prisma/migrations to DATABASE_URL without Prisma's native engine.
const env = parseEnv();
if (!env.DATABASE_URL) {
  console.error('Set DATABASE_URL to the database to migrate.');
  process.exit(2);
}
migrate(env.KEYWATCH_MIGRATION_DATABASE_URL ?? env.DATABASE_URL)
  .then((r) => console.log(r.applied.length ? `Applied: ${r.applied.join(', ')}` : 'Nothing to apply.'))
  .catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
