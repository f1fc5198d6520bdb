/**
 * npm run gate -- HOST [--action reboot|enter-maintenance|exit-maintenance] [--json] [--wait SECONDS]
 *
 * For patch pipelines: asks a running Keywatch (KEYWATCH_URL, default http://127.0.0.1:3000) for a fresh
 * readiness check of HOST (name or id) with the API token in KEYWATCH_TOKEN.
 * Exit codes: 0 READY; 3 BLOCKED (also when --wait ran out); 2 usage error or Keywatch unreachable.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { HOST_ACTIONS } from './input';

export const GATE_USAGE =
  'usage: npm run gate -- HOST [--action reboot|enter-maintenance|exit-maintenance] [--json] [--wait SECONDS]   (env: KEYWATCH_URL, KEYWATCH_TOKEN)';

export const EXIT_READY = 0;
export const EXIT_BLOCKED = 3;
export const EXIT_USAGE = 2;

export class GateUsageError extends Error {
  override readonly name = 'GateUsageError';
}

const argsSchema = z.object({
  host: z.string().trim().min(1, 'HOST (a host name or id) is required'),
  action: z.enum(HOST_ACTIONS, { error: `--action must be one of ${HOST_ACTIONS.join(', ')}` }).default('reboot'),
  json: z.boolean().default(false),
  wait: z
    .string()
    .regex(/^\d+$/, '--wait must be a whole number of seconds')
    .transform(Number)
    .refine((n) => n <= 86_400, '--wait must be at most 86400 seconds')
    .optional(),
  url: z.url({ error: 'KEYWATCH_URL must be an http(s) URL' }).refine((u) => /^https?:/.test(u), 'KEYWATCH_URL must be an http(s) URL'),
  token: z.string({ error: 'KEYWATCH_TOKEN is not set: create an API token with the gate scope in Settings → API tokens' }).min(1, 'KEYWATCH_TOKEN is empty'),
});
export type GateArgs = z.infer<typeof argsSchema>;

export function parseGateArgs(argv: readonly string[], env: Record<string, string | undefined>): GateArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: { action: { type: 'string' }; json: { type: 'boolean' }; wait: { type: 'string' } }; allowPositionals: true; strict: true; args: string[] }>>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: { action: { type: 'string' }, json: { type: 'boolean' }, wait: { type: 'string' } },
    });
  } catch (err) {
    throw new GateUsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length > 1) throw new GateUsageError(`one HOST expected, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  const result = argsSchema.safeParse({
    host: parsed.positionals[0] ?? '',
    action: parsed.values.action,
    json: parsed.values.json,
    wait: parsed.values.wait,
    url: env.KEYWATCH_URL ?? 'http://127.0.0.1:3000',
    token: env.KEYWATCH_TOKEN,
  });
  if (!result.success) throw new GateUsageError(result.error.issues[0]!.message);
  return result.data;
}

const reportSchema = z.object({
  verdict: z.enum(['READY', 'BLOCKED']),
  hostName: z.string().nullable(),
  hostId: z.string().nullable(),
  rules: z.array(z.object({ id: z.string(), status: z.string(), summary: z.string(), remediation: z.string() })),
});
export type GateReport = z.infer<typeof reportSchema>;

export interface GateIo {
  stdout(text: string): void;
  stderr(text: string): void;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
}

/**
 * One GET of a gate verdict from Keywatch's API with the token; anything that is not a verdict the
 * schema accepts (unreachable, refused token, unknown subject, not JSON) is a GateUsageError.
 */
export async function askKeywatch<S extends z.ZodType>(
  conn: { url: string; token: string },
  url: URL,
  schema: S,
  notFound: string,
  io: Pick<GateIo, 'fetch'>,
): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await io.fetch(url, { headers: { authorization: `Bearer ${conn.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new GateUsageError(`Keywatch at ${conn.url} is unreachable: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
  }
  const text = await response.text();
  if (response.status === 401 || response.status === 403) throw new GateUsageError(`Keywatch refused the token (HTTP ${response.status}): it needs the gate scope.`);
  if (response.status === 404) throw new GateUsageError(notFound);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GateUsageError(`Keywatch answered HTTP ${response.status} without JSON.`);
  }
  const parsed = schema.safeParse(body);
  if (!response.ok || !parsed.success) {
    const message = (body as { error?: unknown })?.error;
    throw new GateUsageError(`Keywatch answered HTTP ${response.status}${typeof message === 'string' ? `: ${message}` : ' with something that is not a verdict'}.`);
  }
  return parsed.data;
}

/** One fresh check through the HTTP API. */
function checkOnce(args: GateArgs, io: GateIo): Promise<GateReport> {
  const url = new URL(`/api/v1/hosts/${encodeURIComponent(args.host)}/readiness`, args.url);
  url.searchParams.set('action', args.action);
  return askKeywatch(args, url, reportSchema, `Keywatch does not know host ${args.host}.`, io);
}

export function formatGateReport(report: GateReport, action: string): string {
  const lines = [`${report.hostName ?? report.hostId}: ${report.verdict} for ${action}`];
  for (const r of report.rules.filter((x) => x.status !== 'pass')) {
    lines.push(`  ${r.status.toUpperCase().padEnd(7)} ${r.id}: ${r.summary}${r.remediation ? ` → ${r.remediation}` : ''}`);
  }
  return lines.join('\n');
}

export async function runGate(argv: readonly string[], env: Record<string, string | undefined>, io: GateIo): Promise<number> {
  // `--openstack CLOUD --fixed-key-removal`: the OpenStack question (lib/openstack/gate.ts).
  if (argv.some((a) => a === '--openstack' || a.startsWith('--openstack='))) return (await import('../openstack/gate')).runOpenstackGate(argv, env, io);
  let args: GateArgs;
  try {
    args = parseGateArgs(argv, env);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${GATE_USAGE}`);
    return EXIT_USAGE;
  }
  const deadline = Date.now() + (args.wait ?? 0) * 1000;
  try {
    for (;;) {
      const report = await checkOnce(args, io);
      const done = report.verdict === 'READY' || Date.now() >= deadline;
      if (done) {
        io.stdout(args.json ? JSON.stringify(report) : formatGateReport(report, args.action));
        return report.verdict === 'READY' ? EXIT_READY : EXIT_BLOCKED;
      }
      if (!args.json) io.stderr(`${report.hostName ?? args.host}: BLOCKED by ${report.rules.filter((r) => r.status === 'fail' || r.status === 'unknown').map((r) => r.id).join(', ')}; checking again…`);
      await io.sleep(Math.min(10_000, Math.max(0, deadline - Date.now())));
    }
  } catch (err) {
    io.stderr(err instanceof Error ? err.message : String(err));
    return EXIT_USAGE;
  }
}
