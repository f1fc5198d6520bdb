/**
 * Tiny CLI for the lab vCenter's fault injection and ground truth.
 *
 *   npx tsx lab/faults-cli.ts [--lab .data/lab/lab.json | --url URL --username U --password P --ca FILE] COMMAND
 *
 * COMMAND:
 *   state [--no-vms]                 GET /lab/state
 *   faults                           GET /lab/faults (vCenter-side faults in force)
 *   apply '{"type":"host-reboot","host":"host-3"}'
 *   <type> key=value ...             shorthand, e.g.  kms-node-port node=kms-1 port=15999
 *                                                     remount host=esx-01-02.lab.local
 * Values that look like numbers or booleans are sent as such. The fault types and their fields are
 * lab/vcenter/fault-injection.ts (the lab answers 400 naming the field for a bad body).
 */
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';
import { z } from 'zod';

const labFileSchema = z.object({
  vcenter: z.object({ url: z.string().url(), username: z.string(), password: z.string(), caFile: z.string() }),
});

const argsSchema = z.object({
  lab: z.string().optional(),
  url: z.string().url().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  ca: z.string().optional(),
  noVms: z.boolean(),
  command: z.array(z.string()).min(1, 'a command is needed: state | faults | apply JSON | <fault-type> key=value ...'),
});

function parseArgs(argv: string[]) {
  const out: Record<string, unknown> = { noVms: false, command: [] as string[] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--no-vms') out.noVms = true;
    else if (['--lab', '--url', '--username', '--password', '--ca'].includes(arg)) {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value.`);
      out[arg.slice(2)] = value;
      i += 1;
    } else (out.command as string[]).push(arg);
  }
  const parsed = argsSchema.safeParse(out);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; '));
  return parsed.data;
}

function scalar(value: string): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+$/.test(value)) return Number(value);
  return value;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let target: { url: string; username: string; password: string; caPem: string };
  if (args.lab) {
    const lab = labFileSchema.parse(JSON.parse(readFileSync(args.lab, 'utf8')));
    target = { url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: readFileSync(lab.vcenter.caFile, 'utf8') };
  } else {
    if (!args.url || !args.username || !args.password || !args.ca) throw new Error('Give --lab FILE, or all of --url, --username, --password and --ca.');
    target = { url: args.url, username: args.username, password: args.password, caPem: readFileSync(args.ca, 'utf8') };
  }
  const [command, ...rest] = args.command as [string, ...string[]];
  let method = 'GET';
  let path: string;
  let body: unknown;
  if (command === 'state') path = `/lab/state${args.noVms ? '?vms=false' : ''}`;
  else if (command === 'faults') path = '/lab/faults';
  else {
    method = 'POST';
    path = '/lab/faults';
    if (command === 'apply') {
      if (rest[0] === undefined) throw new Error('apply needs a JSON fault body.');
      body = JSON.parse(rest[0]) as unknown;
    } else {
      const fields: Record<string, unknown> = { type: command };
      for (const pair of rest) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new Error(`Expected key=value, got ${pair}.`);
        fields[pair.slice(0, eq)] = scalar(pair.slice(eq + 1));
      }
      body = fields;
    }
  }
  const dispatcher = new Agent({ connect: { ca: target.caPem } });
  try {
    const res = await fetch(new URL(path, target.url), {
      method,
      dispatcher,
      headers: {
        authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    process.stdout.write(`${text}\n`);
    if (!res.ok) process.exitCode = 1;
  } finally {
    await dispatcher.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`faults-cli: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
