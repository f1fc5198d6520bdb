/**
 * Test support for the poller: the real lab (KMS cluster + vCenter over KMIP and HTTPS), a real
 * migrated PostgreSQL database, the lab registered as targets, and cycle dependencies with a
 * clock the test moves. Nothing is mocked; only time is under the test's control.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { startLab, type Lab, type StartLabOptions } from '../../../lab/main';
import { createPrismaClient, type PrismaClient } from '../../db/client';
import { createTestDatabase, type TestDatabase } from '../../db/testing/test-database';
import { createLogger, type Logger } from '../../logging/logger';
import { masterKeyFromBytes } from '../../secrets/envelope';
import { SecretBox } from '../../secrets/keyring';
import { createKmsProvider, createVcenter } from '../../targets/store';
import type { CycleDeps } from '../cycle';
import type { PollSettings } from '../settings';
import { RowCache } from '../cycle';
import { pollDue } from '../due-targets';

export const DEFAULT_SETTINGS: PollSettings = {
  vcenterIntervalMs: 30_000,
  kmsIntervalMs: 10_000,
  vcenterTimeoutMs: 60_000,
  kmsTimeoutMs: 8_000,
  staleAfterMs: 180_000,
};

/** A clock that runs with real time plus whatever the test adds. */
export class TestClock {
  private offset = 0;
  now = (): Date => new Date(Date.now() + this.offset);
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** A logger whose JSON lines the test can read. */
export function captureLogger(name = 'worker'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(name, { level: 'debug', destination }), lines };
}

/** A SecretBox on a fresh master key; `masterKey` (base64) lets a child process open the same secrets. */
export function testBox(masterKey = randomBytes(32).toString('base64')): SecretBox & { masterKey: string } {
  const key = masterKeyFromBytes(Buffer.from(masterKey, 'base64'));
  return Object.assign(new SecretBox({ current: key, all: [key], source: 'env' }), { masterKey });
}

export const labStateSchema = z.object({
  hosts: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      phase: z.string(),
      connectionState: z.string(),
      inMaintenanceMode: z.boolean(),
      cryptoState: z.string(),
      diskGroupsMounted: z.boolean(),
      diskGroupKeysLoaded: z.boolean().nullable(),
      keyCache: z.array(z.string()),
      vmIds: z.array(z.string()),
    }),
  ),
  vms: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        hostId: z.string(),
        powerState: z.string(),
        cryptoState: z.string().nullable(),
        configKey: z.object({ keyId: z.string(), providerId: z.string() }).nullable(),
      }),
    )
    .nullable(),
  kms: z.object({ nodes: z.array(z.object({ id: z.string(), host: z.string(), port: z.number(), keys: z.array(z.object({ id: z.string(), state: z.string() })) })) }).passthrough(),
  keys: z.array(z.object({ keyId: z.string(), providerId: z.string(), purpose: z.string() })),
  clusters: z.array(z.object({ id: z.string(), name: z.string(), encryption: z.string(), providerId: z.string().nullable(), vsanKekId: z.string().nullable(), hostIds: z.array(z.string()) })),
});
export type LabState = z.infer<typeof labStateSchema>;

export interface PollHarness {
  lab: Lab;
  db: TestDatabase;
  prisma: PrismaClient;
  box: SecretBox & { masterKey: string };
  clock: TestClock;
  logs: Record<string, unknown>[];
  vcenterId: string;
  kmsId: string;
  deps(overrides?: Partial<CycleDeps>): CycleDeps;
  /** Polls every due KMS provider, then every due vCenter, to the end. */
  pollAll(overrides?: Partial<CycleDeps>): Promise<Awaited<ReturnType<typeof pollDue>>>;
  fault(body: Record<string, unknown>): Promise<string>;
  state(): Promise<LabState>;
  close(): Promise<void>;
}

export async function labRequest(lab: Lab, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: lab.vcenter.caPem } });
  try {
    const res = await fetch(`${lab.vcenter.url}${path}`, {
      method,
      dispatcher,
      headers: { authorization: `Basic ${Buffer.from(`${lab.vcenter.username}:${lab.vcenter.password}`).toString('base64')}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${method} ${path} ${JSON.stringify(body ?? '')} → ${res.status}: ${JSON.stringify(json)}`);
    return json;
  } finally {
    await dispatcher.close();
  }
}

export async function startPollHarness(options: { lab?: StartLabOptions; settings?: Partial<PollSettings> } = {}): Promise<PollHarness> {
  const [db, lab] = await Promise.all([
    createTestDatabase(),
    startLab({ kmsNodeCount: 3, estate: { seed: 3, clusters: 3, hostsPerCluster: 3, vmsPerHost: 4, encryptedVmRatio: 0.6, poweredOffVmRatio: 0 }, timings: { rebootDownMs: 150, maintenanceMs: 50, rekeyPerDiskMs: 20, vmPowerMs: 10 }, ...options.lab }),
  ]);
  const prisma = createPrismaClient(db.url, 6);
  const box = testBox();
  const vc = await createVcenter(prisma, box, { name: 'lab-vcenter', url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem });
  const kms = await createKmsProvider(prisma, box, {
    name: lab.kms.providerId,
    nodes: lab.kms.nodes.map((n) => ({ host: n.host, port: n.port })),
    caPem: lab.kms.caPem,
    clientCertPem: lab.kms.client.certPem,
    clientKeyPem: lab.kms.client.keyPem,
  });
  const clock = new TestClock();
  const { logger, lines } = captureLogger();
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const cache = new RowCache();
  const deps = (overrides: Partial<CycleDeps> = {}): CycleDeps => ({ prisma, box, workerId: 'worker-a', now: clock.now, logger, settings, cache, ...overrides });
  return {
    lab,
    db,
    prisma,
    box,
    clock,
    logs: lines,
    vcenterId: vc.id,
    kmsId: kms.id,
    deps,
    async pollAll(overrides) {
      const d = deps(overrides);
      const kmsResults = await pollDue(d, 'kms', 16);
      const vcResults = await pollDue(d, 'vcenter', 16);
      return [...kmsResults, ...vcResults];
    },
    fault: async (body) => (z.object({ applied: z.string() }).parse(await labRequest(lab, 'POST', '/lab/faults', body))).applied,
    state: async () => labStateSchema.parse(await labRequest(lab, 'GET', '/lab/state')),
    async close() {
      await prisma.$disconnect();
      await Promise.allSettled([lab.stop(), db.drop()]);
    },
  };
}

/** Open alerts, optionally of one kind, in entity order. */
export async function openAlerts(h: PollHarness, kind?: string) {
  return h.prisma.alert.findMany({ where: { state: 'open', ...(kind && { kind }) }, orderBy: { entityId: 'asc' } });
}

/**
 * Polls whatever is due, one simulated second at a time, until `until` holds; returns the simulated
 * seconds it took. The poller runs on the simulated clock but the lab's hosts retry their keys on
 * real timers, so each simulated second also lets a little real time pass: without it a fast poller
 * runs out of simulated seconds before a lab host has retried once.
 */
export async function runUntil(h: PollHarness, until: () => Promise<boolean>, limitSeconds: number, realMsPerStep = 50): Promise<number> {
  const started = h.clock.now().getTime();
  for (;;) {
    await h.pollAll();
    if (await until()) return (h.clock.now().getTime() - started) / 1000;
    if (h.clock.now().getTime() - started > limitSeconds * 1000) throw new Error(`condition not reached within ${limitSeconds} simulated seconds`);
    h.clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, realMsPerStep));
  }
}
