import { bootstrapAtStart } from '../../lib/auth/bootstrap';
import { AuthConfigError } from '../../lib/auth/config';
import { EnvError, parseEnv } from '../../lib/config/env';
import { runEntryPoint, UsageError } from '../../lib/runtime/entry-point';

/**
 * One step of `npm start`, in a process of its own so that the supervisor never loads Prisma or
 * argon2: the first admin, bootstrap token, setup link and lab targets (lib/auth/bootstrap.ts),
 * written before anyone can reach the web server. Prints what the person starting Keywatch must see.
 */
const USAGE = 'usage: node dist/bootstrap.mjs   (run by npm start, after migrations; reads DATABASE_URL and the sign-in settings)';

runEntryPoint(import.meta.url, {
  name: 'bootstrap',
  usage: USAGE,
  plainErrors: [EnvError, AuthConfigError],
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    const env = parseEnv();
    if (!env.DATABASE_URL) throw new UsageError('DATABASE_URL is not set.');
    await bootstrapAtStart(env.DATABASE_URL, process.env, env.dataDir);
    return 0;
  },
});
