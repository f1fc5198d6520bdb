/**
 * Writes an inventory snapshot into the poller's inventory tables (VcCluster, VcHost, VcVm,
 * VcVmDisk) as the poller would have stored it, for tests and the benchmark of the recompute that
 * reads those tables. Replaces what was stored for the vCenter; creates its target row if needed.
 */
import type { PrismaClient } from '../../db/client';
import type { InventorySnapshot } from '../inventory';

type Db = Pick<PrismaClient, '$executeRawUnsafe'>;

const CHUNK = 20_000;

async function insertColumns(db: Db, table: string, columns: string[], types: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const arrays = columns.map((_, c) => part.map((r) => r[c]));
    const list = columns.map((c) => `"${c}"`).join(', ');
    const unnest = types.map((t, c) => `$${c + 1}::${t}[]`).join(', ');
    await db.$executeRawUnsafe(`INSERT INTO "${table}" (${list}, "changedAt") SELECT *, now() FROM unnest(${unnest})`, ...arrays);
  }
}

export async function storeSnapshotAsInventory(db: Db, snapshot: InventorySnapshot): Promise<void> {
  const vc = snapshot.vcenterId;
  await db.$executeRawUnsafe(
    `INSERT INTO "VcenterTarget" (id, name, url, username, "passwordEnc", "updatedAt") VALUES ($1, $1, 'https://' || $1, 'u', 'x', now()) ON CONFLICT (id) DO NOTHING`,
    vc,
  );
  for (const table of ['VcVmDisk', 'VcVm', 'VcHost', 'VcCluster']) await db.$executeRawUnsafe(`DELETE FROM "${table}" WHERE "vcenterId" = $1`, vc);
  const rid = (moid: string | null) => (moid ? `${vc}:${moid}` : null);
  await insertColumns(
    db,
    'VcCluster',
    ['id', 'vcenterId', 'moid', 'name', 'vsanEncryption', 'vsanProviderId', 'vsanKekId'],
    ['text', 'text', 'text', 'text', 'bool', 'text', 'text'],
    snapshot.clusters.map((c) => [rid(c.moid), vc, c.moid, c.name, c.vsanKek !== null, c.vsanKek?.providerId ?? null, c.vsanKek?.keyId ?? null]),
  );
  await insertColumns(
    db,
    'VcHost',
    ['id', 'vcenterId', 'moid', 'name', 'clusterId', 'connectionState', 'inMaintenanceMode', 'hostKeyId', 'hostKeyProviderId'],
    ['text', 'text', 'text', 'text', 'text', 'text', 'bool', 'text', 'text'],
    snapshot.hosts.map((h) => [rid(h.moid), vc, h.moid, h.name, rid(h.clusterMoid), h.connectionState, false, h.hostKey?.keyId ?? null, h.hostKey?.providerId ?? null]),
  );
  await insertColumns(
    db,
    'VcVm',
    ['id', 'vcenterId', 'moid', 'name', 'hostId', 'powerState', 'connectionState', 'cryptoState', 'keyId', 'keyProviderId', 'hasVtpm', 'haVmMonitoring', 'datastoreIds'],
    ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'bool', 'bool', 'text'],
    snapshot.vms.map((v) => [
      rid(v.moid),
      vc,
      v.moid,
      v.name,
      rid(v.hostMoid),
      v.powerState,
      v.connectionState,
      v.cryptoState,
      v.configKey?.keyId ?? null,
      v.configKey?.providerId ?? null,
      v.hasVtpm,
      v.haVmMonitoring,
      '[]',
    ]),
  );
  await insertColumns(
    db,
    'VcVmDisk',
    ['id', 'vcenterId', 'vmId', 'deviceKey', 'label', 'keyId', 'keyProviderId'],
    ['text', 'text', 'text', 'int', 'text', 'text', 'text'],
    snapshot.vms.flatMap((v) => v.disks.map((d) => [`${rid(v.moid)}:${d.key}`, vc, rid(v.moid), d.key, d.label, d.keyId?.keyId ?? null, d.keyId?.providerId ?? null])),
  );
  // And the poll that read it, as the poller records one: the recompute trusts stored rows only up to then.
  await db.$executeRawUnsafe(
    `INSERT INTO "PollState" (id, kind, "vcenterId", "nextDueAt", "lastStartedAt", "lastSuccessAt", "lastDurationMs")
     VALUES ('vcenter:' || $1, 'vcenter', $1, $2::timestamptz, $2::timestamptz, $2::timestamptz, 0)
     ON CONFLICT ("vcenterId") DO UPDATE SET "lastStartedAt" = EXCLUDED."lastStartedAt", "lastSuccessAt" = EXCLUDED."lastSuccessAt", "lastDurationMs" = 0`,
    vc,
    snapshot.readAt,
  );
}
