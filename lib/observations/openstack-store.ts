/**
 * The stored picture of one OpenStack cloud (lib/openstack's OpenStackSnapshot), written as
 * differences only: one row per volume / snapshot / backup with its key state, one per Barbican
 * secret a row refers to, one for the cloud (Barbican health, migration by host, what could not be
 * read). Compared by fingerprint, so a poll in which nothing changed writes no row.
 *
 * A poll that could not see something never erases what was known: a listing that did not finish
 * keeps the stored rows it missed, and a row whose key could not be checked this time (Barbican
 * down, a Cinder call failed) keeps its last known key state — the alerts say why it is not fresh.
 */
import type { OsCloudState, OsRow, OsSecret } from '../db/generated/client';
import type { KeyAssessment } from '../openstack/key-state';
import type { OpenStackSnapshot } from '../openstack/snapshot';
import type { SampleRow } from './kms-store';
import { insertChangeLog, type ChangeLogContext, type ChangeRecord, type Db, type TableSpec } from './table-writer';
import { loadTableFingerprints, writeFingerprintedTable, type PlainRow } from './vcenter-store';

export type OsRowKind = 'volume' | 'snapshot' | 'backup';
type Stored<M> = Omit<M, 'changedAt'>;

export interface OpenstackRows {
  cloud: Map<string, Stored<OsCloudState>>;
  rows: Map<string, Stored<OsRow>>;
  secrets: Map<string, Stored<OsSecret>>;
}

const SPECS = {
  cloud: { table: 'OsCloudState', entityType: 'openstackCloud', hasChangedAt: true, nameOf: () => null },
  rows: { table: 'OsRow', entityType: 'openstackRow', hasChangedAt: true, nameOf: (r: PlainRow) => (r.name as string | null) ?? (r.osId as string) },
  secrets: { table: 'OsSecret', entityType: 'barbicanSecret', hasChangedAt: true, nameOf: (r: PlainRow) => r.keyId as string },
} as const satisfies Record<keyof OpenstackRows, TableSpec<PlainRow>>;
const TABLES = Object.keys(SPECS) as (keyof OpenstackRows)[];

export type OpenstackFingerprints = Record<keyof OpenstackRows, Map<string, string>>;

export const osRowId = (cloudId: string, kind: OsRowKind, osId: string): string => `${cloudId}|${kind}|${osId}`;
export const osSecretId = (cloudId: string, keyId: string): string => `${cloudId}|${keyId}`;

export const barbicanSeries = (cloudId: string): string => `barbican:${cloudId}`;
export const BARBICAN_METRICS = ['up', 'apiLatencyMs', 'healthcheckLatencyMs'] as const;

/** Barbican's health as samples: up (1/0) and the two latencies when they were measured. */
export function barbicanSamples(cloudId: string, snap: OpenStackSnapshot, at: Date): SampleRow[] {
  const series = barbicanSeries(cloudId);
  const b = snap.barbican;
  if (!b.endpoint) return [];
  const out: SampleRow[] = [{ series, metric: 'up', at, value: b.api.status === 'ok' ? 1 : 0 }];
  if (b.api.latencyMs !== null) out.push({ series, metric: 'apiLatencyMs', at, value: Math.round(b.api.latencyMs * 10) / 10 });
  if (b.process.latencyMs !== null) out.push({ series, metric: 'healthcheckLatencyMs', at, value: Math.round(b.process.latencyMs * 10) / 10 });
  return out;
}

function keyColumns(k: KeyAssessment) {
  return { keyId: k.keyId, keyState: k.state, usesFixedKey: k.usesFixedKey, anomalies: JSON.stringify(k.anomalies), reason: k.reason };
}

/** One snapshot as the rows this module stores: pure. */
export function buildOpenstackRows(cloudId: string, snap: OpenStackSnapshot): OpenstackRows {
  const rows = new Map<string, Stored<OsRow>>();
  const add = (row: Stored<OsRow>) => rows.set(row.id, row);
  for (const v of snap.volumes) {
    add({ id: osRowId(cloudId, 'volume', v.id), cloudId, kind: 'volume', osId: v.id, name: v.name, projectId: v.projectId, userId: v.userId, status: v.status, host: v.host, volumeId: null, volumeType: v.volumeType ?? v.volumeTypeId, encrypted: v.encrypted, ...keyColumns(v.keyState) });
  }
  for (const s of snap.snapshots) {
    add({ id: osRowId(cloudId, 'snapshot', s.id), cloudId, kind: 'snapshot', osId: s.id, name: s.name, projectId: s.projectId, userId: s.userId, status: s.status, host: s.host, volumeId: s.volumeId, volumeType: null, encrypted: s.keyState.state !== 'unencrypted', ...keyColumns(s.keyState) });
  }
  for (const b of snap.backups) {
    add({ id: osRowId(cloudId, 'backup', b.id), cloudId, kind: 'backup', osId: b.id, name: b.name, projectId: b.projectId, userId: b.userId, status: b.status, host: null, volumeId: b.volumeId, volumeType: null, encrypted: b.keyState.state !== 'unencrypted', ...keyColumns(b.keyState) });
  }
  const secrets = new Map<string, Stored<OsSecret>>();
  for (const k of snap.keys) {
    const id = osSecretId(cloudId, k.keyId);
    secrets.set(id, {
      id,
      cloudId,
      keyId: k.keyId,
      lookup: k.lookup,
      inTokenProject: k.inTokenProject,
      status: k.secret?.status ?? null,
      secretType: k.secret?.secretType ?? null,
      bitLength: k.secret?.bitLength ?? null,
      expiration: k.secret?.expiration ?? null,
      aclUsers: k.acl ? JSON.stringify([...k.acl.users].sort()) : null,
      anomalies: JSON.stringify(k.anomalies),
      message: k.message,
      volumes: k.usedBy.volumes.length,
      snapshots: k.usedBy.snapshots.length,
      backups: k.usedBy.backups.length,
    });
  }
  const b = snap.barbican;
  const cloud = new Map<string, Stored<OsCloudState>>([
    [
      cloudId,
      {
        id: cloudId,
        cloudId,
        barbicanEndpoint: b.endpoint,
        barbicanProcess: b.process.status,
        barbicanApi: b.api.status,
        barbicanDetail: b.api.detail,
        cinderEndpoint: snap.endpoints.blockStorage?.url ?? null,
        tokenProjectId: snap.token.projectId,
        inventory: JSON.stringify(snap.inventory),
        hosts: JSON.stringify(snap.hosts),
        backupMigration: JSON.stringify(snap.backupMigration),
        services: snap.services ? JSON.stringify(snap.services) : null,
        counts: JSON.stringify(snap.counts),
        orphanSecrets: snap.orphanSecrets ? JSON.stringify(snap.orphanSecrets) : null,
        orders: snap.orders ? JSON.stringify(snap.orders) : null,
        errors: JSON.stringify(snap.errors),
      },
    ],
  ]);
  return { cloud, rows, secrets };
}

export async function loadOpenstackFingerprints(db: Db, cloudId: string): Promise<OpenstackFingerprints> {
  const [cloud, rows, secrets] = await Promise.all(TABLES.map((t) => loadTableFingerprints(db, SPECS[t].table, 'cloudId', cloudId)));
  return { cloud: cloud!, rows: rows!, secrets: secrets! };
}

function strip<R extends { changedAt: Date }>(row: R): Omit<R, 'changedAt'> {
  const { changedAt: _changedAt, ...rest } = row;
  return rest;
}

const KEY_FIELDS = ['keyId', 'keyState', 'usesFixedKey', 'anomalies', 'reason'] as const;

/**
 * The fresh rows with what this poll could not see filled in from what is stored: rows of a
 * listing that did not finish, the last known key state of rows whose key could not be checked,
 * and the last known answer for secrets Barbican did not answer about.
 */
export async function fillOpenstackGaps(db: Db, cloudId: string, fresh: OpenstackRows, snap: OpenStackSnapshot): Promise<OpenstackRows> {
  const rows = new Map(fresh.rows);
  const incomplete = (['volume', 'snapshot', 'backup'] as const).filter((k) => !snap.inventory[`${k}s`].complete);
  if (incomplete.length > 0) {
    const kept = await db.osRow.findMany({ where: { cloudId, kind: { in: incomplete } } });
    for (const row of kept) if (!rows.has(row.id)) rows.set(row.id, strip(row));
  }
  const unknownIds = [...rows.values()].filter((r) => r.keyState === 'unknown').map((r) => r.id);
  if (unknownIds.length > 0) {
    for (const old of await db.osRow.findMany({ where: { id: { in: unknownIds } } })) {
      if (old.keyState === 'unknown') continue;
      const row = rows.get(old.id)!;
      const kept = { ...row };
      for (const f of KEY_FIELDS) (kept as Record<string, unknown>)[f] = old[f];
      rows.set(old.id, kept);
    }
  }
  const secrets = new Map(fresh.secrets);
  const unanswered = [...secrets.values()].filter((s) => s.lookup === 'error' || s.lookup === 'not-asked').map((s) => s.id);
  if (unanswered.length > 0) {
    for (const old of await db.osSecret.findMany({ where: { id: { in: unanswered } } })) {
      if (old.lookup === 'error' || old.lookup === 'not-asked') continue;
      const now = secrets.get(old.id)!;
      // Usage counts are this poll's; what Barbican said is the last answer it gave.
      secrets.set(old.id, { ...strip(old), volumes: now.volumes, snapshots: now.snapshots, backups: now.backups });
    }
  }
  return { cloud: fresh.cloud, rows, secrets };
}

export interface OpenstackWriteResult {
  rowsWritten: number;
  changes: number;
  /** Rows stored for the cloud after the write (the base of a write fraction). */
  storedRows: number;
}

export async function writeOpenstackRows(db: Db, stored: OpenstackFingerprints, next: OpenstackRows, ctx: ChangeLogContext): Promise<OpenstackWriteResult> {
  let rowsWritten = 0;
  const changes: ChangeRecord[] = [];
  for (const t of TABLES) {
    const written = await writeFingerprintedTable(db, SPECS[t], stored[t], next[t] as unknown as Map<string, PlainRow>, ctx);
    rowsWritten += written.rowsWritten;
    changes.push(...written.changes);
  }
  rowsWritten += await insertChangeLog(db, changes);
  return { rowsWritten, changes: changes.length, storedRows: next.cloud.size + next.rows.size + next.secrets.size };
}
