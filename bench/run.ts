import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';

// `npm run bench -- NAME [args]`: runs bench/NAME.ts in its own process (clean memory figures);
// each benchmark prints progress to stderr and ends with one JSON line of figures on stdout.
const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

runEntryPoint(import.meta.url, {
  name: 'bench',
  usage: `usage: npm run bench -- NAME [args], NAME one of: ${available.join(', ')}`,
  async main([name, ...rest]) {
    if (!name || !available.includes(name)) throw new UsageError(name ? `no benchmark named "${name}".` : 'name a benchmark.');
    const file = path.join(dir, `${name}.ts`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...rest], { stdio: 'inherit' });
    return result.status ?? 1;
  },
});
