/**
 * Benchmark: KMIP codec throughput, and checking many key IDs against a real KMIP server with
 * one batched message versus PyKMIP's own Python client asking once per key.
 *
 *   npx tsx bench/kmip.ts [--keys 1000] [--missing 100] [--pre-active 100] [--codec-items 500]
 *                         [--codec-seconds 2] [--repeats 3] [--lab true]
 *
 * (a) Codec: a 500-item GetAttributes request and its 500-item response are encoded and decoded
 *     in a loop; MB/s counts the bytes encoded plus the bytes decoded per second of CPU time.
 * (b) PyKMIP (Debian python3-pykmip, started by lib/kmip/testing): `--keys` IDs of which
 *     `--missing` do not exist and `--pre-active` are not active. Measured in the same run:
 *       batchedMs         probeKmsNode(): fresh TCP + TLS, DiscoverVersions, one batched message
 *                         (Query + one GetAttributes per key) — what every poll does;
 *       singleRoundTripMs one batched GetAttributes message on an established connection;
 *       perKeyMs          PyKMIP's Python client, one GetAttributes per key over one connection,
 *                         timed inside Python: interpreter start-up, imports and the TLS connect
 *                         are excluded (perKeyProcessMs is the whole process, for reference).
 *     Both sides ask for the same five attributes.
 * (c) With --lab true (default) the same comparison against one lab KMS node, a server whose
 *     per-item cost is small, to show what batching saves when the server is not the bottleneck.
 *
 * Progress goes to stderr; the last stdout line is one JSON object.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { startKmsCluster } from '../lab/kms/cluster';
import { parseBenchArgs } from './support/args';
import { batchItemId, KmipClient, type KmipClientOptions } from '../lib/kmip/client';
import { BatchErrorContinuationOption, CryptographicAlgorithm, ObjectType, Operation, State } from '../lib/kmip/enums';
import {
  decodeRequestMessage,
  decodeResponseMessage,
  encodeRequestMessage,
  encodeResponseMessage,
  successItem,
  type RequestBatchItem,
  type RequestMessage,
  type ResponseMessage,
} from '../lib/kmip/messages';
import {
  AttributeName,
  createKeyItem,
  dateAttribute,
  decodeCreateResponse,
  encodeGetAttributesResponse,
  encodeIdentifierRequest,
  enumAttribute,
  getAttributesItem,
  integerAttribute,
} from '../lib/kmip/operations';
import { KEY_HEALTH_ATTRIBUTES, probeKmsNode, type KmsProbeTarget } from '../lib/kmip/probe';
import { runPyKmipClient, type PyKmipConnection } from '../lib/kmip/testing/pykmip-client';
import { startPyKmipServer } from '../lib/kmip/testing/pykmip-server';

/** `--lab` alone, or `--lab true|false`. */
const booleanFlag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const ArgsSchema = z
  .object({
    keys: z.coerce.number().int().min(10).max(20_000).default(1000),
    missing: z.coerce.number().int().min(0).default(100),
    preActive: z.coerce.number().int().min(0).default(100),
    codecItems: z.coerce.number().int().min(1).max(10_000).default(500),
    codecSeconds: z.coerce.number().min(0.1).max(60).default(2),
    repeats: z.coerce.number().int().min(1).max(20).default(3),
    lab: booleanFlag.default(true),
  })
  .strict()
  .refine((a) => a.missing + a.preActive <= a.keys, { message: '--missing plus --pre-active cannot exceed --keys' });

type Args = z.output<typeof ArgsSchema>;



const log = (message: string) => process.stderr.write(`[bench kmip] ${message}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// --- (a) codec -------------------------------------------------------------------------------

/** One GetAttributes per id, tagged with batch item IDs as KmipClient tags a multi-item message. */
function getAttributesBatch(ids: string[]): RequestBatchItem[] {
  return ids.map((id, i) => ({ ...getAttributesItem(id, KEY_HEALTH_ATTRIBUTES), uniqueBatchItemId: batchItemId(i) }));
}

function codecMessages(items: number): { request: RequestMessage; response: ResponseMessage } {
  const ids = Array.from({ length: items }, (_, i) => `6f1c2a8e-${String(i).padStart(4, '0')}-4d4e-9a51-3c0f2b7d9e11`);
  const batchItems = getAttributesBatch(ids);
  const request: RequestMessage = {
    header: { protocolVersion: { major: 1, minor: 4 }, batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
    batchItems,
  };
  const activated = new Date('2026-01-01T00:00:00Z');
  const response: ResponseMessage = {
    header: { protocolVersion: { major: 1, minor: 4 }, timeStamp: new Date('2026-06-01T00:00:00Z') },
    batchItems: batchItems.map((item, i) =>
      successItem(
        item,
        encodeGetAttributesResponse({
          uniqueIdentifier: ids[i]!,
          attributes: [
            enumAttribute(AttributeName.State, State.Active),
            enumAttribute(AttributeName.ObjectType, ObjectType.SymmetricKey),
            enumAttribute(AttributeName.CryptographicAlgorithm, CryptographicAlgorithm.Aes),
            integerAttribute(AttributeName.CryptographicLength, 256),
            dateAttribute(AttributeName.ActivationDate, activated),
          ],
        }),
      ),
    ),
  };
  return { request, response };
}

function benchCodec(items: number, seconds: number) {
  const { request, response } = codecMessages(items);
  const requestBytes = encodeRequestMessage(request).byteLength;
  const responseBytes = encodeResponseMessage(response).byteLength;
  let encodeMs = 0;
  let decodeMs = 0;
  let iterations = 0;
  const run = (measure: boolean) => {
    const t0 = performance.now();
    const reqWire = encodeRequestMessage(request);
    const resWire = encodeResponseMessage(response);
    const t1 = performance.now();
    const reqBack = decodeRequestMessage(reqWire);
    const resBack = decodeResponseMessage(resWire);
    const t2 = performance.now();
    if (reqBack.batchItems.length !== items || resBack.batchItems.length !== items) throw new Error('codec round trip lost batch items');
    if (measure) {
      encodeMs += t1 - t0;
      decodeMs += t2 - t1;
      iterations++;
    }
  };
  for (let i = 0; i < 20; i++) run(false);
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) run(true);
  const bytesPerIteration = requestBytes + responseBytes;
  const mb = (bytesPerIteration * iterations) / 1e6;
  return {
    codecMBps: round((2 * mb) / ((encodeMs + decodeMs) / 1000)),
    encodeMBps: round(mb / (encodeMs / 1000)),
    decodeMBps: round(mb / (decodeMs / 1000)),
    iterations,
    requestBytes,
    responseBytes,
    batchItems: items,
  };
}

// --- (b)/(c) key checks ----------------------------------------------------------------------

interface Comparison {
  batchedMs: number;
  singleRoundTripMs: number;
  /** The batch message sent and decoded with the codec and transport only (no KmipClient matching). */
  wireRoundTripMs: number;
  perKeyMs: number;
  perKeyProcessMs: number;
  ratio: number;
  /** perKeyMs over the wire-level round trip: the gain batching allows once the client's own overhead is out. */
  wireRatio: number;
  batchedVsSingleRoundTrip: number;
  batchedRuns: number[];
  singleRoundTripRuns: number[];
  perKeyRuns: number[];
  counts: Record<string, number>;
}

async function compare(target: KmsProbeTarget, connection: PyKmipConnection, ids: string[], repeats: number, expected: Record<string, number>): Promise<Comparison> {
  // Warm both paths once (server-side caches, our module JIT) so neither side pays it alone.
  await probeKmsNode(target, { keyIds: ids.slice(0, 50) });

  const batchedRuns: number[] = [];
  const singleRoundTripRuns: number[] = [];
  const wireRoundTripRuns: number[] = [];
  const perKeyRuns: number[] = [];
  const perKeyProcessRuns: number[] = [];
  let counts: Record<string, number> = {};
  // The three measurements are interleaved in every repeat so that a change in machine load
  // during the run hits all of them alike; medians are reported.
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    const probe = await probeKmsNode(target, { keyIds: ids });
    batchedRuns.push(performance.now() - started);
    if (!probe.reachable) throw new Error(`probe failed: ${probe.error ?? 'unreachable'}`);
    if (probe.roundTrips !== 2) throw new Error(`probe used ${probe.roundTrips} round trips, expected 2`);
    counts = probe.keyCounts;
    for (const [status, n] of Object.entries(expected)) {
      if (counts[status] !== n) throw new Error(`probe classified ${counts[status] ?? 0} keys as ${status}, expected ${n}`);
    }

    const client = new KmipClient({ ...target, poolSize: 1 });
    try {
      const version = await client.negotiatedVersion();
      const sent = performance.now();
      const outcomes = await client.getAttributes(ids);
      singleRoundTripRuns.push(performance.now() - sent);
      if (outcomes.length !== ids.length || client.messagesSent !== 2) throw new Error('the batch was not one message');
      // The same message at the codec + transport level, without KmipClient's per-item work.
      const wireStarted = performance.now();
      const frame = await client.transport.roundTrip(encodeRequestMessage({ batchItems: getAttributesBatch(ids), header: { protocolVersion: version, batchErrorContinuationOption: BatchErrorContinuationOption.Continue } }));
      const answered = decodeResponseMessage(frame).batchItems.length;
      wireRoundTripRuns.push(performance.now() - wireStarted);
      if (answered !== ids.length) throw new Error(`the wire-level batch got ${answered} answers for ${ids.length} items`);
    } finally {
      client.close();
    }

    const run = await runPyKmipClient(connection, [{ op: 'get_attributes_each', uids: ids, names: [...KEY_HEALTH_ATTRIBUTES] }], { timeoutMs: 30 * 60_000 });
    if (!run.output.connected) throw new Error(`PyKMIP client could not connect: ${run.output.error}`);
    const step = run.output.steps[0];
    if (!step?.ok || step.elapsed_ms === undefined || !step.results) throw new Error('PyKMIP per-key step failed');
    const perKeyOk = step.results.filter((x) => x.ok).length;
    const expectedFound = ids.length - (expected['not-found'] ?? 0);
    if (perKeyOk !== expectedFound) throw new Error(`PyKMIP client found ${perKeyOk} keys, expected ${expectedFound}`);
    perKeyRuns.push(step.elapsed_ms);
    perKeyProcessRuns.push(run.processMs);
    log(
      `  repeat ${r + 1}/${repeats}: batched probe ${round(batchedRuns.at(-1)!)} ms, single round trip ${round(singleRoundTripRuns.at(-1)!)} ms ` +
        `(wire level ${round(wireRoundTripRuns.at(-1)!)} ms), ` +
        `PyKMIP per-key ${round(step.elapsed_ms)} ms inside Python (${round(run.processMs)} ms whole process)`,
    );
  }

  const batchedMs = median(batchedRuns);
  const singleRoundTripMs = median(singleRoundTripRuns);
  const perKeyMs = median(perKeyRuns);
  return {
    batchedMs: round(batchedMs),
    singleRoundTripMs: round(singleRoundTripMs),
    wireRoundTripMs: round(median(wireRoundTripRuns)),
    perKeyMs: round(perKeyMs),
    perKeyProcessMs: round(median(perKeyProcessRuns)),
    ratio: round(perKeyMs / batchedMs, 2),
    wireRatio: round(perKeyMs / median(wireRoundTripRuns), 2),
    batchedVsSingleRoundTrip: round(batchedMs / singleRoundTripMs, 2),
    batchedRuns: batchedRuns.map((v) => round(v)),
    singleRoundTripRuns: singleRoundTripRuns.map((v) => round(v)),
    perKeyRuns: perKeyRuns.map((v) => round(v)),
    counts,
  };
}

/** Deterministic interleaving, so missing and pre-active keys are spread through the batch. */
function interleave(groups: string[][]): string[] {
  const out: string[] = [];
  const longest = Math.max(...groups.map((g) => g.length));
  for (let i = 0; i < longest; i++) for (const g of groups) if (i < g.length) out.push(g[i]!);
  return out;
}

async function createOnServer(client: KmipClient, count: number): Promise<string[]> {
  const outcomes = await client.send(
    Array.from({ length: count }, () => createKeyItem()),
    { batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
  );
  return outcomes.map((o) => {
    if (!o.ok) throw new Error(`creating a key failed: ${o.error.message}`);
    return decodeCreateResponse(o.item.payload ?? []).uniqueIdentifier;
  });
}

async function activateOnServer(client: KmipClient, ids: string[]): Promise<void> {
  const outcomes = await client.send(
    ids.map((id) => ({ operation: Operation.Activate, payload: encodeIdentifierRequest({ uniqueIdentifier: id }) })),
    { batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
  );
  const failed = outcomes.find((o) => !o.ok);
  if (failed && !failed.ok) throw new Error(`activating a key failed: ${failed.error.message}`);
}

/**
 * Creates `--keys` minus `--missing` keys, activates all but `--pre-active` of them, and returns
 * every ID to check (missing ones included) with the counts the probe must report.
 */
async function seedKeys(clientOptions: KmipClientOptions, args: Args, missingId: (i: number) => string) {
  const existing = args.keys - args.missing;
  const client = new KmipClient(clientOptions);
  let created: string[];
  try {
    created = await createOnServer(client, existing);
    await activateOnServer(client, created.slice(args.preActive));
  } finally {
    client.close();
  }
  const missing = Array.from({ length: args.missing }, (_, i) => missingId(i));
  return {
    ids: interleave([created.slice(args.preActive), created.slice(0, args.preActive), missing]),
    expected: { active: existing - args.preActive, 'not-active': args.preActive, 'not-found': args.missing },
  };
}

async function benchPyKmip(args: Args) {
  log('starting PyKMIP server (/usr/bin/python3, python3-pykmip)…');
  const server = await startPyKmipServer({ logLevel: 'WARNING', onTmpfs: true });
  const target: KmsProbeTarget = {
    host: server.host,
    port: server.port,
    caPem: server.caPem,
    certPem: server.clientCertPem,
    keyPem: server.clientKeyPem,
    timeouts: { responseMs: 10 * 60_000 },
  };
  const connection: PyKmipConnection = {
    host: server.host,
    port: server.port,
    caPath: server.files.caPath,
    certPath: server.files.clientCertPath,
    keyPath: server.files.clientKeyPath,
    timeoutSeconds: 600,
  };
  try {
    const existing = args.keys - args.missing;
    const setupStarted = performance.now();
    log(`creating ${existing} keys on PyKMIP (batches of 100) and activating ${existing - args.preActive}…`);
    // PyKMIP numbers its objects; the missing IDs are integers past the last one.
    const { ids, expected } = await seedKeys({ ...target, poolSize: 2, maxBatchItems: 100 }, args, (i) => String(10_000_000 + i));
    const setupMs = performance.now() - setupStarted;
    log(`  setup took ${round(setupMs / 1000)} s`);
    log(`checking ${ids.length} key IDs against PyKMIP…`);
    const result = await compare(target, connection, ids, args.repeats, expected);
    return { ...result, setupMs: round(setupMs) };
  } finally {
    await server.stop();
  }
}

async function benchLab(args: Args) {
  log('starting one lab KMS node…');
  const cluster = await startKmsCluster({ nodeCount: 1 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keywatch-bench-kmip-'));
  try {
    const cert = cluster.issueClientCertificate('keywatch');
    const node = cluster.nodes[0]!;
    const files = { caPath: path.join(dir, 'ca.pem'), certPath: path.join(dir, 'client.pem'), keyPath: path.join(dir, 'client.key') };
    await writeFile(files.caPath, cluster.caPem);
    await writeFile(files.certPath, cert.certPem);
    await writeFile(files.keyPath, cert.keyPem, { mode: 0o600 });
    const target: KmsProbeTarget = { host: node.host, port: node.port, caPem: cluster.caPem, certPem: cert.certPem, keyPem: cert.keyPem, timeouts: { responseMs: 120_000 } };
    const { ids, expected } = await seedKeys({ ...target, poolSize: 1, maxBatchItems: 500 }, args, (i) => `missing-${i}`);
    log(`checking ${ids.length} key IDs against the lab KMS…`);
    return await compare(target, { host: node.host, port: node.port, ...files, timeoutSeconds: 120 }, ids, args.repeats, expected);
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema);
  log(`codec: encode + decode of a ${args.codecItems}-item batch for ${args.codecSeconds} s…`);
  const codec = benchCodec(args.codecItems, args.codecSeconds);
  log(`  ${codec.codecMBps} MB/s (encode ${codec.encodeMBps}, decode ${codec.decodeMBps}; request ${codec.requestBytes} B, response ${codec.responseBytes} B)`);

  const pykmip = await benchPyKmip(args);
  const lab = args.lab ? await benchLab(args) : undefined;

  const summary = {
    ratio: pykmip.ratio,
    batchedMs: pykmip.batchedMs,
    perKeyMs: pykmip.perKeyMs,
    codecMBps: codec.codecMBps,
    singleRoundTripMs: pykmip.singleRoundTripMs,
    wireRoundTripMs: pykmip.wireRoundTripMs,
    batchedVsSingleRoundTrip: pykmip.batchedVsSingleRoundTrip,
    perKeyProcessMs: pykmip.perKeyProcessMs,
    pykmipServerMsPerItem: round(pykmip.singleRoundTripMs / args.keys, 2),
    keys: { total: args.keys, missing: args.missing, preActive: args.preActive, counts: pykmip.counts },
    targets: {
      ratioAtLeast10: pykmip.ratio >= 10,
      batchedWithin2xOfSingleRoundTrip: pykmip.batchedVsSingleRoundTrip <= 2,
    },
    pykmip,
    ...(lab && { lab }),
    codec,
    notes: [
      'perKeyMs is timed inside Python around the loop of GetAttributes calls on one open connection: interpreter start-up, imports and the TLS connect are excluded.',
      'batchedMs is a complete probeKmsNode run: fresh TCP + TLS, DiscoverVersions, one message with Query and one GetAttributes per key (median of repeats).',
      "wireRoundTripMs sends the same batch with the codec and transport only; the gap to singleRoundTripMs is KmipClient's own per-item work: matching answers to batch items (one map lookup per item) and decoding and summarising each answer's attributes.",
      'Against PyKMIP the server spends most of the time per item (one SQLAlchemy object lookup per GetAttributes), so batching can only save the per-message cost; the lab figures show the saving when the server is fast.',
    ],
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench kmip] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
