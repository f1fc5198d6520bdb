import { parseEnv } from '../config/env';
import { stopOnSignals } from '../runtime/shutdown';
import { startEmbeddedPostgres } from './embedded-server';

// Child process of `npm start`: prints one `READY <url>` line once it accepts connections.
async function main() {
  const env = parseEnv();
  const db = await startEmbeddedPostgres({ dataDir: env.dataDir, port: env.KEYWATCH_EMBEDDED_DB_PORT });
  process.stdout.write(`READY ${db.url}\n`);
  // The parent going away (crash, kill -9) must not leave the data directory locked.
  stopOnSignals('embedded database', () => db.stop(), { onDisconnect: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
