import pg from 'pg';
import { migrate } from '../../lib/db/migrate';

/** A new database named `name` on a benchmark's PostgreSQL server, Keywatch's migrations applied; its URL. */
export async function createMigratedDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return url.toString();
}
