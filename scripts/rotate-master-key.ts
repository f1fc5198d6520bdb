import path from 'node:path';
import { EnvError, parseEnv } from '../lib/config/env';
import { EmbeddedDatabaseError, startEmbeddedPostgres, type EmbeddedPostgres } from '../lib/db/embedded-server';
import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';
import { decodeMasterKey, generateMasterKeyText, loadKeyring, writeKeyFile } from '../lib/secrets/keyring';
import { reencryptAllSecrets } from '../lib/secrets/rotate';

/**
 * Master key rotation. With the key file (embedded default): a new key is added in front of the
 * file, every secret is re-encrypted under it, then the old keys are dropped from the file; an
 * interruption leaves both keys in the file, so nothing becomes unreadable.
 * With KEYWATCH_MASTER_KEY: set KEYWATCH_MASTER_KEY_NEW to the new key; afterwards replace
 * KEYWATCH_MASTER_KEY with it on every replica.
 * Without DATABASE_URL the embedded database is opened, so stop `npm start` first.
 */
async function rotate(): Promise<void> {
  const env = parseEnv();
  const keyring = loadKeyring(process.env, env.dataDir);
  let embedded: EmbeddedPostgres | undefined;
  let url = env.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: env.dataDir, port: env.KEYWATCH_EMBEDDED_DB_PORT });
    url = embedded.url;
  }
  try {
    if (keyring.source === 'env') {
      const nextText = process.env.KEYWATCH_MASTER_KEY_NEW;
      if (!nextText) throw new Error('KEYWATCH_MASTER_KEY is set: put the new key in KEYWATCH_MASTER_KEY_NEW (32 random bytes, base64) and run again.');
      const next = decodeMasterKey(nextText, 'KEYWATCH_MASTER_KEY_NEW');
      const result = await reencryptAllSecrets(url, keyring.all, next);
      console.log(`Re-encrypted ${result.reencrypted} secret(s) under key ${next.id} (${result.alreadyCurrent} already on it).`);
      console.log('Now set KEYWATCH_MASTER_KEY to the new key on every replica and restart them.');
      return;
    }
    const file = keyring.file ?? path.join(env.dataDir, 'master.key');
    const nextText = generateMasterKeyText();
    const next = decodeMasterKey(nextText, 'the new key');
    const oldTexts = keyring.all.map((k) => k.key.toString('base64'));
    writeKeyFile(file, [nextText, ...oldTexts]);
    const result = await reencryptAllSecrets(url, keyring.all, next);
    writeKeyFile(file, [nextText]);
    console.log(`Re-encrypted ${result.reencrypted} secret(s) under key ${next.id}; ${file} now holds only the new key.`);
  } finally {
    await embedded?.stop();
  }
}

runEntryPoint(import.meta.url, {
  name: 'Master key rotation failed',
  usage: `usage: npm run secrets:rotate-master-key

Re-encrypts every stored secret under a new master key: the key file in KEYWATCH_DATA_DIR (default), or
KEYWATCH_MASTER_KEY_NEW when KEYWATCH_MASTER_KEY is set. Stop npm start first when using the embedded database.`,
  plainErrors: [EnvError, EmbeddedDatabaseError],
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    await rotate();
    return 0;
  },
});
