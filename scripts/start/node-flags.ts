/**
 * Node flags of the processes `npm start` supervises (measured with `npm run bench -- footprint` and
 * `npm run bench -- poll`). The poll benchmark runs its worker with WORKER_FLAGS too, so what it
 * measures is what npm start runs.
 */

/**
 * The children are mostly idle: one V8 helper thread instead of four, and a 1 MB young generation
 * instead of 16 MB.
 */
export const NODE_FLAGS = ['--v8-pool-size=1', '--max-semi-space-size=1'];

/**
 * Prisma's query compiler is WebAssembly. V8 recompiles its busier functions with its optimizing
 * compiler, which costs the worker and the web server ~30 MB each for queries that take
 * milliseconds anyway; a high tiering budget keeps all but the really hot code on the baseline compiler.
 */
export const PRISMA_FLAGS = [...NODE_FLAGS, '--wasm-tiering-budget=1000000000'];

/**
 * The worker is idle between cycles but a first cycle of a large vCenter (40,000 VMs) builds
 * ~100,000 rows at once. A bounded old generation makes V8 collect instead of growing the heap
 * (RSS target 512 MB; that cycle's live heap stays well below the limit, see README: Benchmarks,
 * poll); an 8 MB young generation (grown only when used) keeps the cycle's short-lived objects
 * from being promoted after one 1 MB scavenge. An operator polling a much larger vCenter raises
 * the limit with NODE_OPTIONS=--max-old-space-size=N, which then replaces this one.
 */
export const WORKER_HEAP_MB = 384;

export function workerFlags(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const own = /--max-old-space-size[= ]/.test(env.NODE_OPTIONS ?? '');
  return [
    ...PRISMA_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size=')),
    '--max-semi-space-size=8',
    ...(own ? [] : [`--max-old-space-size=${WORKER_HEAP_MB}`]),
  ];
}
