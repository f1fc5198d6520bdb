/**
 * The stored picture of one KMS provider target: each node's reachability, version and
 * certificates, and each key's state on each node. A node that did not answer keeps its
 * last-known versions, certificates and key states: an outage must not erase what was known.
 */
import type { KmsNodeKey, KmsNodeState } from '../db/generated/client';
import type { KmsNodeProbe } from '../kmip/probe';
import type { KmsReading } from './readings';
import { diffTable, type TableDiff } from './table-diff';
import { insertChangeLog, writeTableDiff, type ChangeLogContext, type Db, type TableSpec } from './table-writer';
import type { Row } from './vcenter-rows';

export interface KmsRows {
  nodes: Map<string, Row<KmsNodeState>>;
  keys: Map<string, Row<KmsNodeKey>>;
}

export const nodeStateId = (kmsProviderId: string, endpoint: string): string => `${kmsProviderId}|${endpoint}`;
export const nodeKeyId = (kmsProviderId: string, endpoint: string, keyId: string): string => `${kmsProviderId}|${endpoint}|${keyId}`;

const NODE_SPEC: TableSpec<Row<KmsNodeState>> = { table: 'KmsNodeState', entityType: 'kmsNode', hasChangedAt: true, nameOf: (r) => r.endpoint };
const KEY_SPEC: TableSpec<Row<KmsNodeKey>> = { table: 'KmsNodeKey', entityType: 'kmsNodeKey', hasChangedAt: true, nameOf: (r) => `${r.keyId} on ${r.endpoint}` };

function strip<R extends { id: string; changedAt: Date }>(rows: R[]): Map<string, Omit<R, 'changedAt'>> {
  return new Map(rows.map(({ changedAt: _c, ...rest }) => [rest.id, rest]));
}

export async function loadKmsRows(db: Db, kmsProviderId: string): Promise<KmsRows> {
  const [nodes, keys] = await Promise.all([db.kmsNodeState.findMany({ where: { kmsProviderId } }), db.kmsNodeKey.findMany({ where: { kmsProviderId } })]);
  return { nodes: strip(nodes), keys: strip(keys) };
}

const date = (iso: string | undefined): Date | null => (iso ? new Date(iso) : null);

function nodeRow(kmsProviderId: string, probe: KmsNodeProbe, before: Row<KmsNodeState> | undefined, now: Date): Row<KmsNodeState> {
  const id = nodeStateId(kmsProviderId, probe.endpoint);
  const failures = probe.reachable ? 0 : (before?.consecutiveFailures ?? 0) + 1;
  return {
    id,
    kmsProviderId,
    endpoint: probe.endpoint,
    host: probe.host,
    port: probe.port,
    reachable: probe.reachable,
    healthy: probe.healthy,
    error: probe.error ?? null,
    failure: probe.failure ?? null,
    // What only an answering node can tell is kept from its last answer.
    negotiatedVersion: probe.negotiatedVersion ?? before?.negotiatedVersion ?? null,
    versions: probe.versions ? JSON.stringify(probe.versions) : (before?.versions ?? null),
    vendor: probe.server?.vendorIdentification ?? (probe.reachable ? null : (before?.vendor ?? null)),
    tlsProtocol: probe.tlsProtocol ?? before?.tlsProtocol ?? null,
    serverCertSubject: probe.serverCertificate?.subject ?? before?.serverCertSubject ?? null,
    serverCertNotAfter: date(probe.serverCertificate?.notAfter) ?? before?.serverCertNotAfter ?? null,
    clientCertNotAfter: date(probe.clientCertificate?.notAfter) ?? before?.clientCertNotAfter ?? null,
    consecutiveFailures: failures,
    downSince: probe.reachable ? null : (before?.downSince ?? now),
  };
}

/**
 * Rows after this reading. Key states come from nodes that answered; for a node that did not,
 * its stored key states stay (they are the last known truth, and KEY_MISSING_ON_NODE must not
 * flap with reachability).
 */
export function buildKmsRows(kmsProviderId: string, reading: KmsReading, stored: KmsRows, now: Date): KmsRows {
  const next: KmsRows = { nodes: new Map(), keys: new Map() };
  for (const probe of reading.nodes) {
    const row = nodeRow(kmsProviderId, probe, stored.nodes.get(nodeStateId(kmsProviderId, probe.endpoint)), now);
    next.nodes.set(row.id, row);
    if (!probe.reachable || (probe.keys.length > 0 && probe.keys.every((k) => k.status === 'error') && probe.error)) {
      for (const [id, key] of stored.keys) if (key.endpoint === probe.endpoint) next.keys.set(id, key);
      continue;
    }
    for (const key of probe.keys) {
      const id = nodeKeyId(kmsProviderId, probe.endpoint, key.id);
      next.keys.set(id, { id, kmsProviderId, endpoint: probe.endpoint, keyId: key.id, status: key.status, state: key.state ?? null, message: key.message ?? null });
    }
  }
  return next;
}

export interface SampleRow {
  series: string;
  metric: string;
  at: Date;
  value: number;
}

export const kmsNodeSeries = (kmsProviderId: string, endpoint: string): string => `kms-node:${nodeStateId(kmsProviderId, endpoint)}`;

/** Up / down and KMIP round-trip latency of each node: the Key providers chart. */
export function kmsSamples(kmsProviderId: string, reading: KmsReading, at: Date): SampleRow[] {
  const out: SampleRow[] = [];
  for (const probe of reading.nodes) {
    const series = kmsNodeSeries(kmsProviderId, probe.endpoint);
    out.push({ series, metric: 'up', at, value: probe.reachable ? 1 : 0 });
    if (probe.reachable && probe.latencyMs !== undefined) out.push({ series, metric: 'latencyMs', at, value: probe.latencyMs });
  }
  return out;
}

export async function writeKmsRows(db: Db, stored: KmsRows, next: KmsRows, ctx: ChangeLogContext): Promise<{ rowsWritten: number; diffs: { nodes: TableDiff<Row<KmsNodeState>>; keys: TableDiff<Row<KmsNodeKey>> } }> {
  const nodes = diffTable(stored.nodes, next.nodes);
  const keys = diffTable(stored.keys, next.keys);
  // consecutiveFailures moves on every failed probe; it is a counter, not an event worth a log line.
  const a = await writeTableDiff(db, NODE_SPEC, nodes, ctx);
  const b = await writeTableDiff(db, KEY_SPEC, keys, ctx);
  const changes = [...a.changes.filter((c) => c.field !== 'consecutiveFailures'), ...b.changes];
  const logged = await insertChangeLog(db, changes);
  return { rowsWritten: a.rowsWritten + b.rowsWritten + logged, diffs: { nodes, keys } };
}
