import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from './client';
import { migrate } from './migrate';
import { readMigrations } from './migrations';
import { modelSamples } from './testing/model-samples';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

interface RuntimeField { name: string; kind: string; type: string; dbName?: string | null }
interface RuntimeModel { fields: RuntimeField[]; dbName: string | null }

// What a Prisma scalar type becomes in PostgreSQL when the schema has no @db attribute.
const COLUMN_TYPE: Record<string, string> = {
  String: 'text', Int: 'integer', BigInt: 'bigint', Boolean: 'boolean', DateTime: 'timestamp without time zone',
  Float: 'double precision', Json: 'jsonb', Bytes: 'bytea', Decimal: 'numeric',
};

describe('database migrated offline by lib/db/migrate', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    await migrate(db.url);
    prisma = createPrismaClient(db.url, 2);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('records every migration the way prisma migrate deploy does', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    await client.end();
    const files = readMigrations();
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    expect(rows.map((r) => r.checksum)).toEqual(files.map((f) => f.checksum));
    for (const row of rows) {
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('is idempotent: a second run applies nothing', async () => {
    const again = await migrate(db.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toHaveLength(readMigrations().length);
  });

  it('has exactly the columns schema.prisma declares, with matching types', async () => {
    const dataModel = (prisma as unknown as { _runtimeDataModel: { models: Record<string, RuntimeModel> } })
      ._runtimeDataModel;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const enums = await client.query<{ typname: string }>(`SELECT typname FROM pg_type WHERE typtype = 'e'`);
    await client.end();
    const actual = new Map<string, Map<string, string>>();
    for (const row of rows) {
      if (!actual.has(row.table_name)) actual.set(row.table_name, new Map());
      actual.get(row.table_name)!.set(row.column_name, row.data_type);
    }
    const enumNames = new Set(enums.rows.map((r) => r.typname));
    const expectedTables = new Set<string>();
    for (const [name, model] of Object.entries(dataModel.models)) {
      const table = model.dbName ?? name;
      expectedTables.add(table);
      const columns = actual.get(table);
      expect(columns, `table ${table} for model ${name}`).toBeDefined();
      const scalar = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
      for (const field of scalar) {
        const column = field.dbName ?? field.name;
        const type = columns!.get(column);
        expect(type, `${table}.${column}`).toBeDefined();
        if (field.kind === 'enum') {
          expect(type, `${table}.${column}`).toBe('USER-DEFINED');
          expect(enumNames.has(field.type), `enum ${field.type}`).toBe(true);
        } else {
          expect(type, `${table}.${column}`).toBe(COLUMN_TYPE[field.type]);
        }
      }
      expect([...columns!.keys()].sort(), `columns of ${table}`).toEqual(
        scalar.map((f) => f.dbName ?? f.name).sort(),
      );
    }
    expect([...actual.keys()].sort()).toEqual([...expectedTables].sort());
  });

  it('reads and writes every model through the generated client', async () => {
    const dataModel = (prisma as unknown as { _runtimeDataModel: { models: Record<string, RuntimeModel> } })
      ._runtimeDataModel;
    expect(modelSamples.map(([m]) => m).sort()).toEqual(Object.keys(dataModel.models).sort());
    for (const [model, row] of modelSamples) {
      type Delegate = { create(args: unknown): Promise<unknown>; findMany(args: unknown): Promise<unknown[]> };
      const delegate = (prisma as unknown as Record<string, Delegate>)[
        model.charAt(0).toLowerCase() + model.slice(1)
      ]!;
      await delegate.create({ data: row });
      const [stored] = await delegate.findMany({ where: row });
      expect(stored, model).toMatchObject(row);
    }
  });
});
