import { EnvError, parseEnv } from '../lib/config/env';
import { migrate, MigrationError } from '../lib/db/migrate';
import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';

// `npm run db:migrate`: apply prisma/migrations to DATABASE_URL without Prisma's native engine.
runEntryPoint(import.meta.url, {
  name: 'db:migrate',
  usage: 'usage: DATABASE_URL=postgresql://… npm run db:migrate   (applies prisma/migrations; npm start does this itself)',
  plainErrors: [EnvError, MigrationError],
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    const env = parseEnv();
    if (!env.DATABASE_URL) throw new UsageError('set DATABASE_URL to the database to migrate.');
    const result = await migrate(env.KEYWATCH_MIGRATION_DATABASE_URL ?? env.DATABASE_URL);
    console.log(result.applied.length ? `Applied: ${result.applied.join(', ')}` : 'Nothing to apply.');
    return 0;
  },
});
