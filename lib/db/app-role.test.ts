import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordAudit } from '../audit/record';
import { bootstrapAuth } from '../auth/bootstrap';
import { createSession } from '../auth/sessions';
import { masterKeyFromBytes } from '../secrets/envelope';
import { SecretBox } from '../secrets/keyring';
import { reencryptAllSecrets } from '../secrets/rotate';
import { createVcenter, openVcenterCredentials } from '../targets/store';
import { createPrismaClient, type PrismaClient } from './client';
import { migrate } from './migrate';

/**
 * Issue 15, finding 9: the audit trigger cannot stop the table's owner, so the application must not
 * connect as the owner. Migrations run as the owner (KEYWATCH_MIGRATION_DATABASE_URL); the
 * application role gets prisma/app-role.sql: everything it needs, and only INSERT / SELECT on the
 * audit log. Real PostgreSQL, real roles.
 */
const GRANTS = readFileSync(path.resolve(import.meta.dirname, '../../prisma/app-role.sql'), 'utf8');

function urlFor(server: string, user: string, database: string): string {
  const url = new URL(server);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('an application role that cannot rewrite the audit log (issue 15, finding 9)', () => {
  const suffix = randomBytes(4).toString('hex');
  const owner = `kw_owner_${suffix}`;
  const app = `kw_app_${suffix}`;
  const database = `kw_roles_${suffix}`;
  const server = inject('postgresUrl');
  let ownerUrl: string;
  let appUrl: string;
  let prisma: PrismaClient;

  beforeAll(async () => {
    await run(server, `CREATE ROLE ${owner} LOGIN; CREATE ROLE ${app} LOGIN`);
    await run(server, `CREATE DATABASE ${database} OWNER ${owner}`);
    ownerUrl = urlFor(server, owner, database);
    appUrl = urlFor(server, app, database);
    // PostgreSQL 15 lets only the database owner create in public; older servers let everyone, which the grants revoke.
    await run(urlFor(server, 'postgres', database), `ALTER SCHEMA public OWNER TO ${owner}`);
    await migrate(ownerUrl);
    await run(ownerUrl, GRANTS.replaceAll('keywatch_app', app));
    prisma = createPrismaClient(appUrl, 2);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await run(server, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await run(server, `DROP ROLE IF EXISTS ${app}; DROP ROLE IF EXISTS ${owner}`);
  });

  it('the owner can switch the append-only trigger off — which is why the application must not be the owner', async () => {
    // Before: Keywatch connected as the owner, so a compromised process could do exactly this.
    await run(ownerUrl, 'BEGIN; ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_no_update_delete"; ROLLBACK');
  });

  it('the application role appends and reads audit events, and cannot update, delete, truncate, disable or drop', async () => {
    await recordAudit(prisma, { actor: { type: 'system', name: 'test' }, action: 'gate.decision', outcome: 'success' });
    expect(await prisma.auditEvent.count()).toBe(1);
    for (const sql of [
      `UPDATE "AuditEvent" SET "outcome" = 'failure'`,
      `DELETE FROM "AuditEvent"`,
      `TRUNCATE "AuditEvent"`,
      `ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_no_update_delete"`,
      `DROP TRIGGER "AuditEvent_no_update_delete" ON "AuditEvent"`,
      `DROP TABLE "AuditEvent"`,
      `CREATE TABLE "Sneaky" (id int)`,
      `DELETE FROM "_prisma_migrations"`,
    ]) {
      await expect(run(appUrl, sql), sql).rejects.toThrow(/permission denied|must be owner/);
    }
    expect(await prisma.auditEvent.count()).toBe(1);
  });

  it('everything Keywatch does day to day works as the application role', async () => {
    const key = masterKeyFromBytes(randomBytes(32));
    const box = new SecretBox({ current: key, all: [key], source: 'env' });
    await bootstrapAuth(prisma, { KEYWATCH_ADMIN_PASSWORD: 'grants-admin-pass-9', KEYWATCH_BOOTSTRAP_TOKEN: `kw_${randomBytes(24).toString('hex')}` }, { secrets: box, log: () => undefined });
    const admin = await prisma.user.findUniqueOrThrow({ where: { username: 'admin' } });
    await createSession(prisma, admin.id, { ttlMs: 60_000 });
    const vc = await prisma.$transaction((tx) => createVcenter(tx, box, { name: 'vc', url: 'https://vc.example.test', username: 'u', password: 'grants-secret' }));
    const next = masterKeyFromBytes(randomBytes(32));
    await reencryptAllSecrets(appUrl, [key], next);
    expect((await openVcenterCredentials(prisma, new SecretBox({ current: next, all: [next], source: 'env' }), vc.id)).password).toBe('grants-secret');
    expect(await prisma.auditEvent.count({ where: { action: 'secrets.rotate' } })).toBe(1);
  });
});
