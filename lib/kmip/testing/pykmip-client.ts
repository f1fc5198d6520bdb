import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { assertPyKmipAvailable, SYSTEM_PYTHON } from './pykmip-server';

/**
 * Runs PyKMIP's own Python client against a KMIP server: the third-party peer that keeps our
 * servers (the lab KMS) honest, and the per-key baseline of the benchmark.
 */

const SCRIPT_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pykmip_client.py');

export interface PyKmipConnection {
  host: string;
  port: number;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** Socket timeout inside the Python client, seconds. */
  timeoutSeconds?: number;
}

/** A uid is a literal id or "$N" = the uid produced by step N of the same plan. */
export type PyKmipStep =
  | { op: 'discover_versions' }
  | { op: 'query' }
  | { op: 'create'; algorithm?: 'AES'; length?: number; name?: string }
  | { op: 'create_many'; count: number; algorithm?: 'AES'; length?: number; activate?: boolean }
  | { op: 'activate'; uid: string }
  | { op: 'revoke'; uid: string; reason?: 'KEY_COMPROMISE' | 'CESSATION_OF_OPERATION' | 'SUPERSEDED' | 'UNSPECIFIED' }
  | { op: 'destroy'; uid: string }
  | { op: 'get'; uid: string }
  | { op: 'get_attributes'; uid: string; names?: string[] }
  | { op: 'get_attributes_each'; uids: string[]; names?: string[] }
  | { op: 'locate'; name?: string; maximum_items?: number };

const attributeValue = z.unknown();
const failureFields = { status: z.string(), reason: z.string().nullable(), message: z.string() };

const stepResultSchema = z.union([
  z.looseObject({
    ok: z.literal(true),
    op: z.string(),
    ms: z.number(),
    uid: z.string().optional(),
    uids: z.array(z.string()).optional(),
    versions: z.array(z.string()).optional(),
    operations: z.array(z.string()).optional(),
    object_types: z.array(z.string()).optional(),
    vendor_identification: z.unknown().optional(),
    attributes: z.record(z.string(), attributeValue).optional(),
    object_type: z.string().optional(),
    algorithm: z.unknown().optional(),
    length: z.unknown().optional(),
    elapsed_ms: z.number().optional(),
    results: z
      .array(
        z.union([
          z.object({ uid: z.string(), ok: z.literal(true), attributes: z.record(z.string(), attributeValue) }),
          z.object({ uid: z.string(), ok: z.literal(false), ...failureFields }),
        ]),
      )
      .optional(),
  }),
  z.looseObject({ ok: z.literal(false), op: z.string(), ms: z.number(), ...failureFields }),
]);

export type PyKmipStepResult = z.infer<typeof stepResultSchema>;

const outputSchema = z.union([
  z.object({ connected: z.literal(true), connect_ms: z.number(), steps: z.array(stepResultSchema) }),
  z.object({ connected: z.literal(false), error: z.string() }),
]);

export type PyKmipRunOutput = z.infer<typeof outputSchema>;

export class PyKmipClientRunError extends Error {
  override readonly name = 'PyKmipClientRunError';
}

export interface PyKmipRun {
  output: PyKmipRunOutput;
  /** Wall time of the whole python process, including interpreter start-up and imports. */
  processMs: number;
}

export async function runPyKmipClient(connection: PyKmipConnection, steps: PyKmipStep[], opts: { timeoutMs?: number } = {}): Promise<PyKmipRun> {
  assertPyKmipAvailable();
  const plan = {
    connection: {
      host: connection.host,
      port: connection.port,
      ca: connection.caPath,
      cert: connection.certPath,
      key: connection.keyPath,
      timeout: connection.timeoutSeconds ?? 30,
    },
    steps,
  };
  const started = performance.now();
  const child = spawn(SYSTEM_PYTHON, [SCRIPT_PATH], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  child.stdin.end(JSON.stringify(plan));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new PyKmipClientRunError(`PyKMIP client script did not finish within ${timeoutMs} ms.`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new PyKmipClientRunError(`PyKMIP client script could not start: ${error.message}`));
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const processMs = performance.now() - started;
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  let json: unknown;
  try {
    json = JSON.parse(lastLine);
  } catch {
    throw new PyKmipClientRunError(`PyKMIP client script exited with ${code} without JSON output. stderr: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  const parsed = outputSchema.safeParse(json);
  if (!parsed.success) {
    throw new PyKmipClientRunError(`PyKMIP client script printed unexpected JSON: ${z.prettifyError(parsed.error)}`);
  }
  return { output: parsed.data, processMs };
}

/** Runs a plan and returns its step results, throwing when the client could not connect. */
export async function runPyKmipSteps(connection: PyKmipConnection, steps: PyKmipStep[], opts: { timeoutMs?: number } = {}): Promise<PyKmipStepResult[]> {
  const { output } = await runPyKmipClient(connection, steps, opts);
  if (!output.connected) throw new PyKmipClientRunError(`PyKMIP client could not connect to ${connection.host}:${connection.port}: ${output.error}`);
  return output.steps;
}
