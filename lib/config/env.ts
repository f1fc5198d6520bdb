import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Keywatch reads from the environment. Parsing happens once, at the edge; the rest
 * of the code receives a typed KeywatchEnv and never touches process.env itself.
 */
const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(fallback);

/** A whole number of `unit` between min and max (the error says which unit). */
const bounded = (fallback: number, min: number, max: number, unit: string) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max} ${unit}`)
    .max(max, `must be between ${min} and ${max} ${unit}`)
    .default(fallback);

const envSchema = z.object({
  PORT: port(3000),
  HOSTNAME: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgresql:// (or postgres://)')
    .optional(),
  KEYWATCH_DATA_DIR: z.string().min(1).default('.data'),
  KEYWATCH_EMBEDDED_DB_PORT: port(54329),
  KEYWATCH_LAB: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }).default('auto'),
  KEYWATCH_WORKER_HEARTBEAT_MS: z.coerce.number().int().min(200).max(600_000).default(5_000),
  KEYWATCH_WORKER_STALE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  KEYWATCH_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // Polling, observations and alerts (lib/poller, lib/observations, lib/alerts).
  KEYWATCH_POLL_VCENTER_S: bounded(30, 5, 3600, 'seconds'),
  KEYWATCH_POLL_KMS_S: bounded(10, 2, 3600, 'seconds'),
  KEYWATCH_POLL_VCENTER_TIMEOUT_S: bounded(120, 5, 3600, 'seconds'),
  KEYWATCH_POLL_KMS_TIMEOUT_S: bounded(15, 2, 600, 'seconds'),
  KEYWATCH_POLL_CONCURRENCY: bounded(4, 1, 64, 'targets'),
  KEYWATCH_DATA_STALE_S: bounded(180, 30, 86_400, 'seconds'),
  KEYWATCH_SAMPLES_RAW_HOURS: bounded(48, 1, 24 * 90, 'hours'),
  KEYWATCH_SAMPLES_ROLLUP_DAYS: bounded(30, 1, 3650, 'days'),
  KEYWATCH_WEBHOOK_MAX_ATTEMPTS: bounded(8, 1, 50, 'attempts'),
});

export type KeywatchEnv = z.infer<typeof envSchema> & { dataDir: string };

/** Names outside the schema that still belong to us; parsed by the module that owns them. */
const OWNED_ELSEWHERE = /^KEYWATCH_(VCENTER|KMS|ADMIN|BOOTSTRAP|MASTER|OIDC|SESSION|DEMO|TARGETS|LAB_)/;

export class EnvError extends Error {
  override name = 'EnvError';
}

/**
 * Parses the environment. A KEYWATCH_* name we do not know is an error too: a typo such as
 * KEYWATCH_LABB=off would otherwise be ignored and silently start the lab against the operator's
 * intent.
 */
export function parseEnv(source: Record<string, string | undefined> = process.env): KeywatchEnv {
  const known = new Set(Object.keys(envSchema.shape));
  const unknown = Object.keys(source).filter(
    (name) => name.startsWith('KEYWATCH_') && !known.has(name) && !OWNED_ELSEWHERE.test(name),
  );
  if (unknown.length > 0) {
    throw new EnvError(
      `Unknown setting ${unknown.join(', ')}: check the spelling against the README's configuration table.`,
    );
  }
  const picked = Object.fromEntries(
    [...known].map((name) => [name, source[name] === '' ? undefined : source[name]]),
  );
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const name = String(first.path[0]);
    throw new EnvError(`${name}=${JSON.stringify(source[name] ?? '')} ${first.message}.`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.KEYWATCH_DATA_DIR) };
}
