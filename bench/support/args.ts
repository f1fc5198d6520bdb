import type { z } from 'zod';

/**
 * The benchmarks' command line: `--name value` pairs (camelCased for the schema) and bare `--flag`s
 * (true), checked by the benchmark's own zod schema. A bad one is one sentence naming the flag.
 */
export function parseBenchArgs<S extends z.ZodType>(argv: readonly string[], schema: S): z.output<S> {
  const raw: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument ${arg}; flags look like --name value.`);
    const key = arg.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) raw[key] = true;
    else {
      raw[key] = next;
      i++;
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` --${issue.path.join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : '';
    throw new Error(`Invalid argument${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}
