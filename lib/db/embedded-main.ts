import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { EnvError, parseEnv } from '../config/env';
import { createLogger } from '../logging/logger';
import { announceReady, parseCommandLine, runEntryPoint } from '../runtime/entry-point';
import { stopOnSignals } from '../runtime/shutdown';
import { EmbeddedDatabaseError, initializeEmbeddedPostgres, startEmbeddedPostgres } from './embedded-server';

// Child process of `npm start`: the embedded database under KEYWATCH_DATA_DIR/pg.
const USAGE = `usage: node dist/embedded-db.mjs [--initialize]   (run by npm start when DATABASE_URL is unset)

Serves PGlite from KEYWATCH_DATA_DIR/pg on 127.0.0.1:KEYWATCH_EMBEDDED_DB_PORT and prints
READY <connection URL> once it accepts connections. --initialize only creates the folder (initdb) and exits.`;

/** initdb in a process of its own, so that its memory goes back to the system when it exits. */
async function initializeInChildProcess(): Promise<void> {
  const result = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--initialize'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr.trim().split('\n').at(-1) || `initdb exited with ${result.status ?? result.signal}`);
}

runEntryPoint(import.meta.url, {
  name: 'embedded database',
  usage: USAGE,
  plainErrors: [EnvError, EmbeddedDatabaseError],
  async main(argv) {
    const { initialize } = parseCommandLine(argv, { initialize: { type: 'boolean' } }, z.object({ initialize: z.boolean().default(false) }));
    const env = parseEnv();
    if (initialize) {
      await initializeEmbeddedPostgres(env.dataDir);
      return 0;
    }
    const log = createLogger('embedded-db');
    const db = await startEmbeddedPostgres({
      dataDir: env.dataDir,
      port: env.KEYWATCH_EMBEDDED_DB_PORT,
      initialize: async () => {
        log.info({ dataDir: env.dataDir }, 'creating the embedded database (first start)');
        await initializeInChildProcess();
      },
    });
    log.info({ port: env.KEYWATCH_EMBEDDED_DB_PORT, dataDir: env.dataDir }, 'embedded database serving');
    announceReady(db.url);
    // The parent going away (crash, kill -9) must not leave the data directory locked.
    stopOnSignals('embedded database', async (reason) => {
      log.info({ reason }, 'embedded database stopping');
      await db.stop();
    });
  },
});
