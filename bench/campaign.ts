/**
 * Benchmark: tracking a 40,000-VM campaign in PostgreSQL (the test server from lib/db/testing).
 *
 * A synthetic inventory of 40,000 encrypted VMs (1–3 disks each, so ≈ 2.4 items per VM) on the
 * NKP; a campaign over all of them towards the KMS; then "polls": inventory snapshots in which a
 * growing share of VMs is on the target (and a few locked), each written into the poller's
 * inventory tables (as the poller would; not timed) and followed by recomputeFromStoredInventory —
 * what the worker runs after a poll: the time from the poll stored to progress stored. A second
 * campaign over the same VMs is recomputed from the same snapshots in hand (recomputeProgress, the
 * path of a live read) for comparison. A baseline measured in the same run, on the same machine
 * load: one plain read of every item row (what the previous implementation's read phase did
 * before reconciling in JavaScript and writing the changes back). Then the campaign detail (the
 * store's getCampaignDetail, which GET /api/v1/campaigns/{id} returns) read repeatedly for p50 /
 * p95, and once without a valid progress cache (what the first read after an executor step costs).
 *
 *   npm run bench -- campaign [--vms 40000] [--detail-reads 200]
 *
 * The code is warmed up on a small campaign first, as in the long-running worker that recomputes.
 *
 * Last stdout line: JSON with recomputeMs (worst recompute from the stored inventory after a poll
 * that moved VMs), detailP95Ms, and details (the snapshot path, the baseline and ratios, phases of
 * each recompute, the machine's load average).
 */
import { cpus, loadavg } from 'node:os';
import { z } from 'zod';
import { createPrismaClient } from '../lib/db/client';
import { startTestPostgres } from '../lib/db/testing/postgres-server';
import { fixedInventory, type InventorySnapshot } from '../lib/campaigns/inventory';
import { bumpItemsVersion } from '../lib/campaigns/progress-cache';
import { createCampaign, exportItemsCsv, getCampaignDetail, listItems, recomputeFromStoredInventory, recomputeProgress, startCampaign } from '../lib/campaigns/store';
import { storeSnapshotAsInventory } from '../lib/campaigns/testing/stored-snapshot';
import { moveToTarget, syntheticSnapshot } from '../lib/campaigns/testing/synthetic-inventory';
import { parseBenchArgs } from './support/args';
import { createMigratedDatabase } from './support/database';
import { percentile } from './support/stats';

const ArgsSchema = z
  .object({
    vms: z.coerce.number().int().min(100).max(1_000_000).default(40_000),
    detailReads: z.coerce.number().int().min(10).max(10_000).default(200),
  })
  .strict();

const log = (message: string) => process.stderr.write(`${message}\n`);
const round = (ms: number) => Math.round(ms * 10) / 10;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ArgsSchema);
  const loadAtStart = Math.round(loadavg()[0]! * 100) / 100;
  log(`Starting PostgreSQL (lib/db/testing) …`);
  const server = await startTestPostgres();
  const url = await createMigratedDatabase(server.url, 'bench_campaign');
  const prisma = createPrismaClient(url, 4);
  try {
    const hostsPerCluster = 20;
    const vmsPerHost = 20;
    const clusters = Math.ceil(args.vms / (hostsPerCluster * vmsPerHost));
    const base = syntheticSnapshot({ vcenterId: 'vc-bench', clusters, hostsPerCluster, vmsPerHost, source: 'nkp', target: 'kms', seed: 42 });
    base.vms = base.vms.slice(0, args.vms);
    const actor = { type: 'system' as const, name: 'bench' };
    const healthy = async ({ providerIds }: { providerIds: readonly string[] }) => providerIds.map((providerId) => ({ providerId, healthy: true, problems: [] }));

    // The worker that recomputes is a long-running process: warm its code up on a small campaign first.
    const small = syntheticSnapshot({ vcenterId: 'vc-warm', clusters: 2, hostsPerCluster: 10, vmsPerHost: 50, seed: 7 });
    const warm = await createCampaign(
      prisma,
      { name: 'warm-up', vcenterId: 'vc-warm', sourceProviderId: 'nkp', targetProviderId: 'kms', scope: { type: 'clusters', clusterIds: small.clusters.map((c) => c.moid) } },
      { actor, inventory: fixedInventory(small) },
    );
    for (const share of [0.2, 0.4, 0.6]) await recomputeProgress(prisma, warm.id, moveToTarget(small, Math.round(small.vms.length * share), 'kms'));
    for (let i = 0; i < 20; i++) await getCampaignDetail(prisma, warm.id);

    const create = (name: string) =>
      timed(() =>
        createCampaign(
          prisma,
          { name, vcenterId: 'vc-bench', sourceProviderId: 'nkp', targetProviderId: 'kms', scope: { type: 'clusters', clusterIds: base.clusters.map((c) => c.moid) } },
          { actor, inventory: fixedInventory(base) },
        ),
      );
    log(`Creating two campaigns over ${base.vms.length} VMs in ${clusters} clusters …`);
    const created = await create('bench: NKP → KMS');
    const twin = await create('bench: NKP → KMS (snapshot path)');
    const id = created.value.id;
    const items = created.value.progress.total;
    log(`  ${items} items in ${Math.round(created.ms)} ms`);
    await startCampaign(prisma, id, { actor, healthCheck: healthy });
    await startCampaign(prisma, twin.value.id, { actor, healthCheck: healthy });
    await storeSnapshotAsInventory(prisma, base);

    // Polls: 10 %, 25 %, 50 % of VMs moved (the last with 1 % of the moved VMs locked), then the same again.
    const polls: { label: string; snapshot: InventorySnapshot }[] = [];
    for (const share of [0.1, 0.25, 0.5]) {
      const snap = moveToTarget(base, Math.round(base.vms.length * share), 'kms');
      if (share === 0.5) snap.vms = snap.vms.map((v, i) => (i % 100 === 0 && v.configKey?.providerId === 'kms' ? { ...v, cryptoState: 'locked' as const } : v));
      polls.push({ label: `${share * 100}% moved`, snapshot: snap });
    }
    polls.push({ label: 'unchanged', snapshot: polls[polls.length - 1]!.snapshot });
    type Timing = { label: string; ms: number; changed: number; cached: boolean; phasesMs: Record<string, number>; baselineMs: number; ratio: number };
    const stored: Timing[] = [];
    const inHand: Timing[] = [];
    // The previous implementation's read phase, timed next to each recompute (same load, same cache state).
    const itemScan = async () =>
      (
        await timed(() =>
          prisma.$queryRawUnsafe<unknown[]>(
            `SELECT id, state, "currentProviderId", "failureClass", to_char("verifiedAt", 'YYYY-MM-DD"T"HH24') AS "verifiedHour" FROM "CampaignItem" WHERE "campaignId" = $1`,
            id,
          ),
        )
      ).ms;
    for (const poll of polls) {
      if (poll.label !== 'unchanged') await storeSnapshotAsInventory(prisma, poll.snapshot);
      for (const [list, run] of [
        [stored, () => recomputeFromStoredInventory(prisma, id)],
        [inHand, () => recomputeProgress(prisma, twin.value.id, poll.snapshot)],
      ] as const) {
        const baselineMs = await itemScan();
        const r = await timed(run);
        list.push({ label: poll.label, ms: round(r.ms), changed: r.value.changed, cached: r.value.cached, phasesMs: r.value.phasesMs, baselineMs: round(baselineMs), ratio: round(r.ms / baselineMs) });
      }
      log(`  recompute after poll (${poll.label}): stored inventory ${stored.at(-1)!.ms} ms, snapshot in hand ${inHand.at(-1)!.ms} ms, ${stored.at(-1)!.changed} items changed; baseline item scan ${stored.at(-1)!.baselineMs} ms`);
    }
    // A detail read that finds no valid cache (an executor wrote since): aggregates over every item.
    await bumpItemsVersion(prisma, id);
    const cold = await timed(() => getCampaignDetail(prisma, id));
    log(`  detail read without a valid progress cache: ${Math.round(cold.ms)} ms`);

    log(`Reading the campaign detail ${args.detailReads} times …`);
    for (let i = 0; i < 5; i++) await getCampaignDetail(prisma, id);
    const detailMs: number[] = [];
    let last = created.value;
    for (let i = 0; i < args.detailReads; i++) {
      const r = await timed(() => getCampaignDetail(prisma, id));
      detailMs.push(r.ms);
      last = r.value;
    }
    detailMs.sort((a, b) => a - b);
    const failedPage = await timed(() => listItems(prisma, id, { state: 'failed', limit: 100 }));
    const csv = await timed(async () => {
      let bytes = 0;
      for await (const chunk of exportItemsCsv(prisma, id)) bytes += chunk.length;
      return bytes;
    });
    const worst = (list: Timing[]) => list.filter((r) => r.changed > 0).reduce((a, b) => (b.ms > a.ms ? b : a));
    const result = {
      recomputeMs: worst(stored).ms,
      recomputeVsBaseline: worst(stored).ratio,
      snapshotRecomputeMs: worst(inHand).ms,
      snapshotRecomputeVsBaseline: worst(inHand).ratio,
      detailP95Ms: round(percentile(detailMs, 95)),
      detailP50Ms: round(percentile(detailMs, 50)),
      detailColdMs: Math.round(cold.ms),
      vms: base.vms.length,
      items,
      createMs: Math.round(created.ms),
      recomputes: { storedInventory: stored, snapshotInHand: inHand },
      recomputeTimed: 'recomputeFromStoredInventory (the worker after a poll); baseline = one read of every item row, the previous implementation’s read phase alone',
      verifiedPercent: last.progress.percentVerified,
      failedItems: last.progress.byState.failed,
      failedPageMs: round(failedPage.ms),
      csvExportMs: Math.round(csv.ms),
      csvBytes: csv.value,
      detailTimed: 'lib/campaigns/store.ts getCampaignDetail (what the route returns, without HTTP)',
      // Other work on the machine skews every figure: the 1-minute load average at start and end.
      machine: { cpus: cpus().length, loadavg1AtStart: loadAtStart, loadavg1AtEnd: Math.round(loadavg()[0]! * 100) / 100 },
    };
    log(`recompute ≤ 2000 ms: ${result.recomputeMs <= 2000 ? 'yes' : 'NO'}; detail p95 ≤ 100 ms: ${result.detailP95Ms <= 100 ? 'yes' : 'NO'}`);
    console.log(JSON.stringify(result));
  } finally {
    await prisma.$disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
