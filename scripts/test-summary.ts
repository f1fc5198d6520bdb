import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { runEntryPoint, UsageError } from '../lib/runtime/entry-point';

// Prints the closing line of `npm test`: the vitest and Playwright counts added up.
const vitestReport = z.object({ numPassedTests: z.number(), numFailedTests: z.number(), numPendingTests: z.number() });
const playwrightReport = z.object({ stats: z.object({ expected: z.number(), unexpected: z.number(), flaky: z.number(), skipped: z.number() }) });

function read<T>(file: string, schema: z.ZodType<T>): T | undefined {
  return existsSync(file) ? schema.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}

runEntryPoint(import.meta.url, {
  name: 'test-summary',
  usage: 'usage: npx tsx scripts/test-summary.ts   (reads test-reports/vitest.json and test-reports/playwright.json)',
  async main(argv) {
    if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}.`);
    const unit = read('test-reports/vitest.json', vitestReport);
    const e2e = read('test-reports/playwright.json', playwrightReport);
    const passed = (unit?.numPassedTests ?? 0) + (e2e ? e2e.stats.expected + e2e.stats.flaky : 0);
    const failed = (unit?.numFailedTests ?? 0) + (e2e?.stats.unexpected ?? 0);
    const skipped = (unit?.numPendingTests ?? 0) + (e2e?.stats.skipped ?? 0);
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    return 0;
  },
});
