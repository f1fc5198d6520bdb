/**
 * npm run kms:probe -- --host H --port P --ca F --cert F --key F [--keys ID,ID] [--servername N] [--json]
 *
 * Exit codes: 0 node reachable and every key active; 1 node or a key unhealthy; 2 bad arguments.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runEntryPoint } from '../runtime/entry-point';
import { probeKmsNode, type CertificateReport, type KmsNodeProbe, type KmsProbeTarget, type ProbeOptions } from './probe';

export const USAGE =
  'usage: npm run kms:probe -- --host H --port P --ca FILE --cert FILE --key FILE [--keys ID,ID] [--servername NAME] [--json]';

const CERT_WARNING_DAYS = 14;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const argsSchema = z.object({
  host: z.string({ error: '--host is required' }).trim().min(1, '--host must not be empty'),
  port: z
    .string({ error: '--port is required' })
    .regex(/^\d{1,5}$/, '--port must be a number between 1 and 65535')
    .transform(Number)
    .refine((p) => p >= 1 && p <= 65535, '--port must be a number between 1 and 65535'),
  ca: z.string({ error: '--ca is required (PEM file with the CA that signed the KMS certificate)' }).min(1),
  cert: z.string({ error: '--cert is required (PEM file with Keywatch’s client certificate)' }).min(1),
  key: z.string({ error: '--key is required (PEM file with the client private key)' }).min(1),
  keys: z
    .string()
    .optional()
    .transform((s) => (s === undefined ? [] : s.split(',').map((k) => k.trim())))
    .refine((ids) => ids.every((id) => id.length > 0), '--keys must be a comma-separated list of key IDs without empty entries'),
  servername: z.string().trim().min(1, '--servername must not be empty').optional(),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

export type CliArgs = z.infer<typeof argsSchema>;

/** A bad invocation; its message is the one line printed on stderr. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        keys: { type: 'string' },
        servername: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // parseArgs messages are multi-sentence; keep the first, which names the flag.
    const first = (err instanceof Error ? err.message : String(err)).split('. ')[0]?.replace(/\.$/, '');
    throw new CliUsageError(first ?? 'invalid arguments');
  }
  if (values.help) return { ...(values as object), help: true } as CliArgs;
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new CliUsageError(parsed.error.issues[0]?.message ?? 'invalid arguments');
  return parsed.data;
}

async function readPem(flag: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : 'unreadable';
    throw new CliUsageError(`cannot read ${flag} file ${path}: ${why}`);
  }
  if (!text.includes('-----BEGIN ')) throw new CliUsageError(`${flag} file ${path} is not PEM (no "-----BEGIN" line)`);
  return text;
}

const ms = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(1)} ms`);

function certLine(label: string, c: CertificateReport | undefined): string[] {
  if (!c) return [];
  const left = c.daysLeft < 0 ? `EXPIRED ${-c.daysLeft} days ago` : `${c.daysLeft} days left`;
  const lines = [`  ${label.padEnd(16)} ${c.subject} — expires ${c.notAfter.slice(0, 10)} (${left})`];
  if (c.sans.length) lines.push(`  ${''.padEnd(16)} SANs ${c.sans.join(', ')}`);
  lines.push(`  ${''.padEnd(16)} issued by ${c.issuer}`);
  return lines;
}

export function formatReport(p: KmsNodeProbe): string {
  const lines: string[] = [];
  const verdict = !p.reachable ? 'UNREACHABLE' : p.healthy ? 'healthy' : 'UNHEALTHY';
  lines.push(`KMS ${p.endpoint} — ${verdict}`);
  if (p.error) lines.push(`  ${p.error}`);
  if (p.reachable) {
    lines.push(`  ${'TCP connect'.padEnd(16)} ${ms(p.tcpConnectMs)}`);
    lines.push(`  ${'TLS handshake'.padEnd(16)} ${ms(p.tlsHandshakeMs)}${p.tlsProtocol ? ` (${p.tlsProtocol})` : ''}`);
    lines.push(`  ${'KMIP latency'.padEnd(16)} ${ms(p.latencyMs)} (batch: ${ms(p.batchRoundTripMs)}, ${p.roundTrips} round trips)`);
    lines.push(`  ${'KMIP versions'.padEnd(16)} ${p.negotiatedVersion ?? 'none common'} negotiated; server offers ${(p.versions ?? []).join(', ')}`);
    if (p.server?.vendorIdentification) lines.push(`  ${'Server'.padEnd(16)} ${p.server.vendorIdentification}`);
  }
  lines.push(...certLine('Server cert', p.serverCertificate));
  lines.push(...certLine('Client cert', p.clientCertificate));
  for (const [label, c] of [['server', p.serverCertificate], ['client', p.clientCertificate]] as const) {
    if (c && c.daysLeft >= 0 && c.daysLeft <= CERT_WARNING_DAYS) lines.push(`  WARNING: the ${label} certificate expires in ${c.daysLeft} days`);
  }
  if (p.keys.length && !p.reachable) {
    lines.push(`Keys (${p.keys.length}): not checked, the node did not answer`);
  } else if (p.keys.length) {
    const k = p.keyCounts;
    lines.push(`Keys (${p.keys.length}): ${k.active} active, ${k['not-active']} not active, ${k['not-found']} not found, ${k.error} error`);
    const width = Math.min(40, Math.max(...p.keys.map((key) => key.id.length)));
    for (const key of p.keys) {
      const mark = key.status === 'active' ? 'ok  ' : 'FAIL';
      const detail =
        key.status === 'active' || key.status === 'not-active'
          ? [key.state, key.algorithm && key.lengthBits ? `${key.algorithm}-${key.lengthBits}` : key.algorithm].filter(Boolean).join(' ')
          : (key.message ?? '');
      lines.push(`  ${mark} ${key.id.padEnd(width)}  ${key.status.padEnd(10)}  ${detail}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function probeJson(p: KmsNodeProbe): string {
  const { keys, ...node } = p;
  return JSON.stringify({ healthy: p.healthy, node, keys }, null, 2) + '\n';
}

type Prober = (target: KmsProbeTarget, options: ProbeOptions) => Promise<KmsNodeProbe>;

/** The whole CLI as a function: returns the exit code, writes only through `io`. */
export async function runKmsProbeCli(argv: readonly string[], io: CliIo, prober: Prober = probeKmsNode): Promise<number> {
  let args: CliArgs;
  let target: KmsProbeTarget;
  try {
    args = parseCliArgs(argv);
    if (args.help) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    const [caPem, certPem, keyPem] = await Promise.all([readPem('--ca', args.ca), readPem('--cert', args.cert), readPem('--key', args.key)]);
    target = { host: args.host, port: args.port, caPem, certPem, keyPem, ...(args.servername !== undefined && { servername: args.servername }) };
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr(`kms:probe: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const result = await prober(target, { keyIds: args.keys });
  io.stdout(args.json ? probeJson(result) : formatReport(result));
  return result.healthy ? 0 : 1;
}

runEntryPoint(import.meta.url, {
  name: 'kms:probe',
  usage: USAGE,
  main: (argv) =>
    runKmsProbeCli(argv, {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
    }),
});
