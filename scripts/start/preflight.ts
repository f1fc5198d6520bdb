import pg from 'pg';
import { assertPortFree as assertPortCanListen } from '../../lib/runtime/ports';

export class StartupError extends Error {
  override name = 'StartupError';
}

export async function assertPortFree(port: number, host: string, what: string, fix: string): Promise<void> {
  await assertPortCanListen(port, host, (error) =>
    new StartupError(
      error.code === 'EADDRINUSE'
        ? `Port ${port} on ${host} is already in use, so ${what} cannot start; ${fix}.`
        : `Cannot listen on ${host}:${port} for ${what}: ${error.message}.`,
    ),
  );
}

/** Connects once to DATABASE_URL so that a wrong URL is one clear line, not a stack trace later. */
export async function assertDatabaseReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  const where = (() => {
    try {
      const u = new URL(url);
      return `${u.hostname}:${u.port || 5432}${u.pathname}`;
    } catch {
      return 'DATABASE_URL';
    }
  })();
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const reason =
      err.code === 'ECONNREFUSED'
        ? 'nothing is listening there'
        : err.code === 'ENOTFOUND'
          ? 'the host name does not resolve'
          : err.code === '28P01'
            ? 'the password was rejected'
            : err.code === '3D000'
              ? 'that database does not exist'
              : err.message;
    throw new StartupError(
      `Cannot reach the database at ${where} (${reason}); fix DATABASE_URL, or unset it to use the embedded database.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
