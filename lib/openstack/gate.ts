/**
 * npm run gate -- --openstack CLOUD --fixed-key-removal [--json] [--max-age SECONDS]
 *
 * May `fixed_key` leave cinder.conf and nova.conf? Asks a running Keywatch (KEYWATCH_URL, token in
 * KEYWATCH_TOKEN with the gate scope) for the verdict of GET /api/v1/openstack/{CLOUD}/fixed-key-removal
 * (CLOUD: the target's name or id), which is SAFE only when no volume, snapshot or backup uses — or
 * might use — the all-zero key ID. Exit codes as the host gate: 0 SAFE, 3 BLOCKED, 2 usage error or
 * Keywatch unreachable / unsure.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { askKeywatch, EXIT_BLOCKED, EXIT_READY, EXIT_USAGE, GateUsageError, type GateIo } from '../readiness/gate-cli';

export const OPENSTACK_GATE_USAGE =
  'usage: npm run gate -- --openstack CLOUD --fixed-key-removal [--json] [--max-age SECONDS]   (env: KEYWATCH_URL, KEYWATCH_TOKEN)';

const argsSchema = z.object({
  cloud: z.string().trim().min(1, '--openstack needs the cloud (a target name or id)'),
  fixedKeyRemoval: z.literal(true, { error: '--openstack needs a question: --fixed-key-removal' }),
  json: z.boolean().default(false),
  maxAge: z
    .string()
    .regex(/^\d+$/, '--max-age must be a whole number of seconds')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 604_800, '--max-age must be between 1 and 604800 seconds')
    .optional(),
  url: z.url({ error: 'KEYWATCH_URL must be an http(s) URL' }).refine((u) => /^https?:/.test(u), 'KEYWATCH_URL must be an http(s) URL'),
  token: z.string({ error: 'KEYWATCH_TOKEN is not set: create an API token with the gate scope in Settings → API tokens' }).min(1, 'KEYWATCH_TOKEN is empty'),
});
type OpenstackGateArgs = z.infer<typeof argsSchema>;

export function parseOpenstackGateArgs(argv: readonly string[], env: Record<string, string | undefined>): OpenstackGateArgs {
  let values: { openstack?: string; 'fixed-key-removal'?: boolean; json?: boolean; 'max-age'?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: { openstack: { type: 'string' }, 'fixed-key-removal': { type: 'boolean' }, json: { type: 'boolean' }, 'max-age': { type: 'string' } },
    }));
  } catch (err) {
    throw new GateUsageError(err instanceof Error ? err.message : String(err));
  }
  if (positionals.length > 0) throw new GateUsageError(`unexpected argument ${positionals[0]} (a host and --openstack do not go together)`);
  const result = argsSchema.safeParse({
    cloud: values.openstack ?? '',
    fixedKeyRemoval: values['fixed-key-removal'] ?? false,
    json: values.json,
    maxAge: values['max-age'],
    url: env.KEYWATCH_URL ?? 'http://127.0.0.1:3000',
    token: env.KEYWATCH_TOKEN,
  });
  if (!result.success) throw new GateUsageError(result.error.issues[0]!.message);
  return result.data;
}

const verdictSchema = z.object({
  verdict: z.enum(['SAFE', 'BLOCKED']),
  reasons: z.array(z.string()),
  cloud: z.object({ id: z.string(), name: z.string() }),
  fixedKey: z.object({ volumes: z.number(), snapshots: z.number(), backups: z.number() }),
  checked: z.object({ volumes: z.number(), snapshots: z.number(), backups: z.number() }),
  takenAt: z.string(),
});
export type FixedKeyGateReport = z.infer<typeof verdictSchema>;

function askVerdict(args: OpenstackGateArgs, io: GateIo): Promise<FixedKeyGateReport> {
  const url = new URL(`/api/v1/openstack/${encodeURIComponent(args.cloud)}/fixed-key-removal`, args.url);
  if (args.maxAge !== undefined) url.searchParams.set('maxAgeSeconds', String(args.maxAge));
  return askKeywatch(args, url, verdictSchema, `Keywatch does not know OpenStack cloud ${args.cloud}.`, io);
}

export function formatFixedKeyReport(r: FixedKeyGateReport): string {
  return [`${r.cloud.name}: fixed_key removal ${r.verdict} (poll of ${r.takenAt})`, ...r.reasons.map((reason) => `  - ${reason}`)].join('\n');
}

export async function runOpenstackGate(argv: readonly string[], env: Record<string, string | undefined>, io: GateIo): Promise<number> {
  let args: OpenstackGateArgs;
  try {
    args = parseOpenstackGateArgs(argv, env);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${OPENSTACK_GATE_USAGE}`);
    return EXIT_USAGE;
  }
  try {
    const report = await askVerdict(args, io);
    io.stdout(args.json ? JSON.stringify(report) : formatFixedKeyReport(report));
    return report.verdict === 'SAFE' ? EXIT_READY : EXIT_BLOCKED;
  } catch (err) {
    io.stderr(err instanceof Error ? err.message : String(err));
    return EXIT_USAGE;
  }
}
