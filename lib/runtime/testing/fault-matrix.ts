import pg from 'pg';
import { BOOTSTRAP_TOKEN, fetchOverview, type KeywatchInstance } from './keywatch-instance';

/**
 * One cell of the fault matrix (issue 17): against a running `npm start`, commit a change, kill one
 * process with one signal, and measure until the dashboard answers again, /api/health is ok and
 * nothing that was committed is missing. Used by `npm run bench -- faults` and e2e/process-faults.spec.ts.
 */
export const FAULT_PROCESSES = ['db', 'worker', 'web', 'lab'] as const;
export type FaultProcess = (typeof FAULT_PROCESSES)[number];

export interface FaultResult {
  process: FaultProcess;
  signal: NodeJS.Signals;
  survived: boolean;
  recoverySeconds: number;
  /** Rows committed before the fault and missing after it, over every counted table. */
  lostRows: number;
  /** Why it did not survive. */
  failure?: string;
}

/**
 * The tables whose rows must survive; alerts and observations join when their tables exist. Names
 * are Prisma's model names (quoted identifiers).
 */
const COUNTED_TABLES = ['AuditEvent', 'User', 'VcenterTarget', 'KmsProvider', 'Alert', 'Observation'];

export async function countCommittedRows(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)`,
      [COUNTED_TABLES],
    );
    const counts: Record<string, number> = {};
    for (const { name } of rows) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`);
      counts[name] = Number(result.rows[0]!.n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** A real committed change through the API: a user (and its audit row), answered 201 before the fault. */
async function commitChange(baseUrl: string, username: string): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username, role: 'viewer', password: 'fault-matrix-password-1' }),
  });
  if (response.status !== 201) throw new Error(`creating ${username} answered ${response.status}: ${await response.text()}`);
}

/** The embedded database has no TCP port: its socket is `.s.PGSQL.<port>` in the data dir (lib/db/embedded-server.ts). */
export function embeddedDatabaseUrl(keywatch: KeywatchInstance): string {
  return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(keywatch.dataDir)}&port=${keywatch.databasePort}`;
}

export async function injectFault(
  keywatch: KeywatchInstance,
  fault: { process: FaultProcess; signal: NodeJS.Signals; cookie: string; timeoutMs?: number },
): Promise<FaultResult> {
  const { process: name, signal, cookie } = fault;
  const timeoutMs = fault.timeoutMs ?? 60_000;
  const databaseUrl = embeddedDatabaseUrl(keywatch);
  await commitChange(keywatch.baseUrl, `fault-${name}-${signal.toLowerCase()}-${Date.now()}`);
  const before = await countCommittedRows(databaseUrl);
  const victim = keywatch.processState()?.children.find((c) => c.name === name);
  if (!victim?.pid || victim.state !== 'running') throw new Error(`${name} is not running (${JSON.stringify(victim)})`);
  const killedAt = Date.now();
  process.kill(victim.pid, signal);

  let failure: string | undefined = 'never recovered';
  const deadline = killedAt + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const replaced = keywatch.processState()?.children.find((c) => c.name === name);
    if (!replaced || replaced.pid === victim.pid || replaced.state !== 'running') continue;
    const health = await keywatch.health();
    if (health?.httpStatus !== 200 || health.body.status !== 'ok' || health.body.worker.status !== 'alive') continue;
    const overview = await fetchOverview(keywatch.baseUrl, cookie).catch(() => null);
    if (overview?.status !== 200 || !overview.rendered) continue;
    failure = undefined;
    break;
  }
  const recoverySeconds = Number(((Date.now() - killedAt) / 1000).toFixed(2));
  let lostRows = 0;
  if (!failure) {
    const after = await countCommittedRows(databaseUrl);
    lostRows = Object.entries(before).reduce((lost, [table, n]) => lost + Math.max(0, n - (after[table] ?? 0)), 0);
    if (lostRows > 0) failure = `rows lost: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`;
  }
  return { process: name, signal, survived: failure === undefined, recoverySeconds, lostRows, ...(failure ? { failure } : {}) };
}
