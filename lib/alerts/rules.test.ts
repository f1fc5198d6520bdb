/**
 * The alert rules on hand-made rows: what must raise, what must not (damping, thresholds), and
 * the facts their texts name. Pure: no database, no lab.
 */
import { describe, expect, it } from 'vitest';
import type { KmsNodeKey, KmsNodeState } from '../db/generated/client';
import type { Row } from '../observations/vcenter-rows';
import { kmsConditions, type KmsAlertInput } from './rules-kms';
import { targetHealthConditions } from './rules-targets';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

function node(endpoint: string, over: Partial<Row<KmsNodeState>> = {}): Row<KmsNodeState> {
  return {
    id: `kms-t|${endpoint}`,
    kmsProviderId: 'kms-t',
    endpoint,
    host: endpoint.split(':')[0]!,
    port: Number(endpoint.split(':')[1]),
    reachable: true,
    healthy: true,
    error: null,
    failure: null,
    negotiatedVersion: '1.4',
    versions: '["1.4"]',
    vendor: null,
    tlsProtocol: 'TLSv1.3',
    serverCertSubject: 'CN=kms',
    serverCertNotAfter: days(365),
    clientCertNotAfter: days(365),
    consecutiveFailures: 0,
    downSince: null,
    ...over,
  };
}

function key(endpoint: string, keyId: string, status: string, state: string | null = status === 'active' ? 'Active' : null): Row<KmsNodeKey> {
  return { id: `kms-t|${endpoint}|${keyId}`, kmsProviderId: 'kms-t', endpoint, keyId, status, state, message: null };
}

function input(over: Partial<KmsAlertInput>): KmsAlertInput {
  return {
    target: { id: 'kms-t', name: 'kms-prod', keyProviderId: 'kms-prod' },
    nodes: [node('10.0.0.1:5696'), node('10.0.0.2:5696')],
    keys: [],
    keyUse: new Map(),
    nodeNames: new Map([
      ['10.0.0.1:5696', 'kms-a'],
      ['10.0.0.2:5696', 'kms-b'],
    ]),
    now: NOW,
    ...over,
  };
}

const kinds = (conditions: { kind: string; severity: string }[]) => conditions.map((c) => `${c.kind}:${c.severity}`).sort();

describe('KMS rules', () => {
  it('a node that failed one probe raises nothing; two in a row raise KMS_NODE_DOWN and a degraded cluster', () => {
    expect(kmsConditions(input({ nodes: [node('10.0.0.1:5696', { reachable: false, consecutiveFailures: 1, error: 'refused' }), node('10.0.0.2:5696')] }))).toEqual([]);
    const down = kmsConditions(input({ nodes: [node('10.0.0.1:5696', { reachable: false, consecutiveFailures: 2, error: 'KMS 10.0.0.1:5696 refused the connection' }), node('10.0.0.2:5696')] }));
    expect(kinds(down)).toEqual(['KMS_CLUSTER_DEGRADED:warning', 'KMS_NODE_DOWN:warning']);
    expect(down.find((c) => c.kind === 'KMS_NODE_DOWN')!.title).toContain('kms-a (10.0.0.1:5696)');
  });

  it('every node down makes the cluster alert critical, telling not to reboot hosts', () => {
    const all = kmsConditions(input({ nodes: [node('10.0.0.1:5696', { reachable: false, consecutiveFailures: 3 }), node('10.0.0.2:5696', { reachable: false, consecutiveFailures: 2 })] }));
    const cluster = all.find((c) => c.kind === 'KMS_CLUSTER_DEGRADED')!;
    expect(cluster.severity).toBe('critical');
    expect(cluster.runbook).toMatch(/Do not reboot/);
  });

  it('a key missing on one node is a warning (replication gap); missing everywhere it is critical', () => {
    const gap = kmsConditions(input({ keys: [key('10.0.0.1:5696', 'k1', 'active'), key('10.0.0.2:5696', 'k1', 'not-found')] }));
    expect(kinds(gap)).toEqual(['KEY_MISSING_ON_NODE:warning']);
    expect(gap[0]!.cause).toMatch(/replication gap/);
    const lost = kmsConditions(input({ keys: [key('10.0.0.1:5696', 'k1', 'not-found'), key('10.0.0.2:5696', 'k1', 'not-found')] }));
    expect(kinds(lost)).toEqual(['KEY_MISSING_ON_NODE:critical', 'KEY_MISSING_ON_NODE:critical']);
    expect(lost[0]!.runbook).toMatch(/backup/);
  });

  it('a deactivated key raises KEY_NOT_ACTIVE once per key, naming its state', () => {
    const c = kmsConditions(input({ keys: [key('10.0.0.1:5696', 'k2', 'not-active', 'Deactivated'), key('10.0.0.2:5696', 'k2', 'not-active', 'Deactivated')] }));
    expect(kinds(c)).toEqual(['KEY_NOT_ACTIVE:warning']);
    expect(c[0]!.title).toBe('Key k2 is Deactivated on kms-prod');
  });

  it('certificates: 31 days left is fine, 30 warns, 7 or expired is critical; the client certificate too', () => {
    expect(kmsConditions(input({ nodes: [node('10.0.0.1:5696', { serverCertNotAfter: days(31.5) })] }))).toEqual([]);
    expect(kinds(kmsConditions(input({ nodes: [node('10.0.0.1:5696', { serverCertNotAfter: days(30.5) })] })))).toEqual(['KMS_CERT_EXPIRING:warning']);
    expect(kinds(kmsConditions(input({ nodes: [node('10.0.0.1:5696', { serverCertNotAfter: days(7.5) })] })))).toEqual(['KMS_CERT_EXPIRING:critical']);
    const expired = kmsConditions(input({ nodes: [node('10.0.0.1:5696', { serverCertNotAfter: days(-2), clientCertNotAfter: days(10.5) })] }));
    expect(kinds(expired)).toEqual(['CLIENT_CERT_EXPIRING:warning', 'KMS_CERT_EXPIRING:critical']);
    expect(expired.find((c) => c.kind === 'KMS_CERT_EXPIRING')!.title).toMatch(/expired 2 days ago/);
  });
});

describe('target health rules', () => {
  const base = { kind: 'vcenter' as const, targetId: 'vc1', targetName: 'vc-prod', createdAt: new Date(NOW.getTime() - 3600_000), staleAfterMs: 180_000, now: NOW };

  it('a failing vCenter raises VCENTER_UNREACHABLE with its one-line error; a stale one DATA_STALE', () => {
    const failing = targetHealthConditions({ ...base, state: { lastSuccessAt: new Date(NOW.getTime() - 60_000), lastError: 'vCenter vc: GET /api/session: HTTP 503.', lastErrorAt: NOW, consecutiveFailures: 1 } });
    expect(kinds(failing)).toEqual(['VCENTER_UNREACHABLE:critical']);
    expect(failing[0]!.cause).toContain('HTTP 503');
    const stale = targetHealthConditions({ ...base, state: { lastSuccessAt: new Date(NOW.getTime() - 600_000), lastError: null, lastErrorAt: null, consecutiveFailures: 0 } });
    expect(kinds(stale)).toEqual(['DATA_STALE:warning']);
    expect(stale[0]!.cause).toMatch(/is a worker running/);
  });

  it('a target never polled is stale only once the limit has passed since it was added', () => {
    expect(targetHealthConditions({ ...base, createdAt: new Date(NOW.getTime() - 60_000), state: null })).toEqual([]);
    expect(kinds(targetHealthConditions({ ...base, state: null }))).toEqual(['DATA_STALE:warning']);
  });
});
