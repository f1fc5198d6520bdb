import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPyKmipClient, runPyKmipSteps, type PyKmipConnection } from '@/lib/kmip/testing/pykmip-client';
import { startKmsCluster, type LabKmsCluster } from './cluster';

// The lab KMS must be right for a KMIP implementation we did not write, not only for our client.
describe('lab KMS against PyKMIP’s Python client', () => {
  let cluster: LabKmsCluster;
  let dir: string;
  let connection: (nodeId: string) => PyKmipConnection;

  beforeAll(async () => {
    cluster = await startKmsCluster({ nodeCount: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'keywatch-labkms-pykmip-'));
    const cert = cluster.issueClientCertificate('pykmip-client');
    const files = { caPath: path.join(dir, 'ca.pem'), certPath: path.join(dir, 'client.pem'), keyPath: path.join(dir, 'client.key') };
    await writeFile(files.caPath, cluster.caPem);
    await writeFile(files.certPath, cert.certPem);
    await writeFile(files.keyPath, cert.keyPem, { mode: 0o600 });
    connection = (nodeId) => {
      const node = cluster.nodes.find((n) => n.id === nodeId)!;
      return { host: node.host, port: node.port, ...files, timeoutSeconds: 5 };
    };
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('discovers versions and answers Query in a form PyKMIP parses', async () => {
    const [versions, query] = await runPyKmipSteps(connection('kms-1'), [{ op: 'discover_versions' }, { op: 'query' }]);
    expect(versions).toMatchObject({ ok: true, versions: ['1.4', '1.3', '1.2', '1.1', '1.0'] });
    expect(query).toMatchObject({ ok: true, vendor_identification: 'Keywatch Lab KMS', object_types: ['SYMMETRIC_KEY'] });
    expect(query?.ok && query.operations).toEqual(expect.arrayContaining(['CREATE', 'GET_ATTRIBUTES', 'LOCATE', 'ACTIVATE', 'REVOKE', 'DESTROY', 'GET']));
  });

  it('creates, activates, reads attributes, locates, gets, revokes and destroys a key', async () => {
    const steps = await runPyKmipSteps(connection('kms-1'), [
      { op: 'create', algorithm: 'AES', length: 256, name: 'pykmip-interop' },
      { op: 'get_attributes', uid: '$0', names: ['State', 'Cryptographic Algorithm', 'Cryptographic Length', 'Object Type'] },
      { op: 'activate', uid: '$0' },
      { op: 'get_attributes', uid: '$0' },
      { op: 'locate', name: 'pykmip-interop' },
      { op: 'get', uid: '$0' },
      { op: 'get_attributes', uid: 'does-not-exist', names: ['State'] },
      { op: 'revoke', uid: '$0', reason: 'CESSATION_OF_OPERATION' },
      { op: 'destroy', uid: '$0' },
      { op: 'get_attributes', uid: '$0', names: ['State'] },
    ]);
    const failures = steps.filter((s) => !s.ok && s.op !== 'get_attributes');
    expect(failures).toEqual([]);
    const [created, before, , all, located, got, missing, , , after] = steps;
    const id = created?.ok ? created.uid : undefined;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(before).toMatchObject({ ok: true, attributes: { State: 'PRE_ACTIVE', 'Cryptographic Algorithm': 'AES', 'Cryptographic Length': 256, 'Object Type': 'SYMMETRIC_KEY' } });
    expect(all).toMatchObject({ ok: true, attributes: { State: 'ACTIVE', Name: 'pykmip-interop', 'Unique Identifier': id } });
    expect(all?.ok && all.attributes?.['Activation Date']).toEqual(expect.any(Number));
    expect(located).toMatchObject({ ok: true, uids: [id] });
    expect(got).toMatchObject({ ok: true, object_type: 'SYMMETRIC_KEY', algorithm: 'AES', length: 256, value_bytes: 32 });
    expect(missing).toMatchObject({ ok: false, status: 'OPERATION_FAILED', reason: 'ITEM_NOT_FOUND' });
    expect(after).toMatchObject({ ok: true, attributes: { State: 'DESTROYED' } });
    // Replicated: the second node knows the key's final state too.
    const [onSecond] = await runPyKmipSteps(connection('kms-2'), [{ op: 'get_attributes', uid: id!, names: ['State'] }]);
    expect(onSecond).toMatchObject({ ok: true, attributes: { State: 'DESTROYED' } });
  });

  it('reports lifecycle refusals with the result reasons PyKMIP expects', async () => {
    const id = await cluster.createKey('active-one');
    const [destroyActive, activateAgain] = await runPyKmipSteps(connection('kms-2'), [
      { op: 'destroy', uid: id },
      { op: 'activate', uid: id },
    ]);
    expect(destroyActive).toMatchObject({ ok: false, reason: 'PERMISSION_DENIED' });
    expect(activateAgain).toMatchObject({ ok: false, reason: 'PERMISSION_DENIED' });
  });

  it('is unreachable for PyKMIP when the node is down', async () => {
    await cluster.faults.setNodeDown('kms-2', true);
    try {
      const run = await runPyKmipClient(connection('kms-2'), [{ op: 'discover_versions' }]);
      expect(run.output).toMatchObject({ connected: false, error: expect.stringMatching(/refused/i) });
    } finally {
      await cluster.faults.setNodeDown('kms-2', false);
    }
  });
});
