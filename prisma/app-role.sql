-- Grants for the role Keywatch's web server and worker connect as (DATABASE_URL) when a real
-- PostgreSQL is used and migrations run as the schema owner (KEYWATCH_MIGRATION_DATABASE_URL).
-- Run it as the owner after every migration that adds a table (npm start and `npm run db:migrate`
-- apply migrations; this file is idempotent):
--
--   psql "$KEYWATCH_MIGRATION_DATABASE_URL" -v ON_ERROR_STOP=1 -f prisma/app-role.sql
--
-- It assumes the application role is called keywatch_app; replace the name if yours differs.
-- The application role owns nothing, so it cannot ALTER, DISABLE TRIGGER or DROP anything; it
-- reads and writes the tables, but may only INSERT and SELECT audit events (the append-only
-- trigger stays as a second line).

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO keywatch_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO keywatch_app;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "AuditEvent" FROM keywatch_app;
GRANT SELECT, INSERT ON "AuditEvent" TO keywatch_app;
-- Migrations are the owner's business.
REVOKE ALL ON "_prisma_migrations" FROM keywatch_app;
