import { defineConfig } from 'prisma/config';

// The CLI only needs a URL for commands that talk to a database (`prisma migrate deploy` on a
// connected machine). Keywatch itself applies migrations with lib/db/migrate.ts, offline.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://keywatch@127.0.0.1:5432/keywatch' },
});
