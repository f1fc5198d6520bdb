import { parseEnv } from '../config/env';
import { startEmbeddedPostgres } from './embedded-server';

// Child process of `npm start`: prints one `READY <url>` line once it accepts connections.
async function main() {
  const env = parseEnv();
  const db = await startEmbeddedPostgres({ dataDir: env.dataDir, port: env.KEYWATCH_EMBEDDED_DB_PORT });
  process.stdout.write(`READY ${db.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await db.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent going away (crash, kill -9) must not leave the data directory locked.
  process.on('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
