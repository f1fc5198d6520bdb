import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';
import { ensureBuild } from './start/build';

// `npm run build`: everything `npm start` would build — the dashboard (next build) here; the Prisma client and
// the bundles of npm start's processes in scripts/launch.mjs before this runs. For images and deploys.
runEntryPoint(import.meta.url, {
  name: 'build',
  usage: 'usage: npm run build   (builds the dashboard with next build when its sources changed since the last build)',
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    await ensureBuild();
    return 0;
  },
});
