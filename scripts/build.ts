import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';
import { ensureBuild } from './start/build';

// `npm run build`: the build `npm start` makes before it serves (scripts/launch.mjs has generated the Prisma client).
runEntryPoint(import.meta.url, {
  name: 'build',
  usage: 'usage: npm run build   (builds the dashboard with next build when its sources changed since the last build)',
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    await ensureBuild();
    return 0;
  },
});
