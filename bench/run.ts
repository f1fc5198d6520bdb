import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

// `npm run bench -- NAME [args]`: runs bench/NAME.ts in its own process (clean memory figures);
// each benchmark prints progress to stderr and ends with one JSON line of figures on stdout.
const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`${name ? `No benchmark named "${name}". ` : ''}Usage: npm run bench -- NAME, with NAME one of: ${available.join(', ')}`);
  process.exit(2);
}
const file = path.join(dir, `${name}.ts`);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
