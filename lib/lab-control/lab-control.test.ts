import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeLab, startLab, type Lab } from '@/lab/main';
import { labFaultSchema as labOwnFaultSchema } from '@/lab/vcenter/fault-injection';
import { labRequest } from '../poller/testing/harness';
import { call, startAuthHarness, type AuthHarness } from '../auth/testing/harness';
import { getSecretBox } from '../secrets/keyring';
import { applyLabTargets } from '../targets/lab-targets';
import { CHOICE_FIELD, LAB_FAULT_CATALOG, labFaultSchema, type LabVcenterFault } from './catalog';
import { openLabClient } from './control';
import { LabClient, LabControlError } from './lab-client';
import type { FaultResult } from './control';
import type { LabStateView } from './lab-state';

/**
 * GET /lab/state without its history (tasks, sessions, boot counts, last errors, retry times) and
 * with sets in a fixed order: what a restore must bring back, and nothing it cannot.
 */
const comparableSchema = z.looseObject({
  tasks: z.unknown(),
  vcenter: z.looseObject({ sessions: z.unknown() }),
  kms: z.looseObject({ nodes: z.array(z.looseObject({ id: z.string(), keys: z.array(z.looseObject({ id: z.string(), state: z.string() })) })) }),
  hosts: z.array(
    z.looseObject({ bootCount: z.unknown(), lastKeyError: z.unknown(), nextKeyRetryAt: z.unknown(), keyFailures: z.unknown(), keyCache: z.array(z.string()), vmIds: z.array(z.string()) }),
  ),
});
function comparable(raw: unknown) {
  const { tasks: _tasks, vcenter, kms, hosts, ...rest } = comparableSchema.parse(raw);
  const { sessions: _sessions, ...vcenterRest } = vcenter;
  return {
    ...rest,
    vcenter: vcenterRest,
    kms: { ...kms, nodes: kms.nodes.map((n) => ({ ...n, keys: [...n.keys].sort((a, b) => a.id.localeCompare(b.id)) })) },
    hosts: hosts.map(({ bootCount: _b, lastKeyError: _l, nextKeyRetryAt: _n, keyFailures: _k, keyCache, vmIds, ...host }) => ({ ...host, keyCache: [...keyCache].sort(), vmIds: [...vmIds].sort() })),
  };
}
type ComparableState = ReturnType<typeof comparable>;

/**
 * The Lab page's server side against a real lab (KMS cluster over KMIP, vCenter over HTTPS) and a
 * real database holding the lab target the way `npm start` registers it; the routes are called
 * in-process as Next would.
 */
describe('lab control (real lab, real database)', () => {
  let h: AuthHarness;
  let lab: Lab;
  let admin: { cookie: string; csrf: string };
  const asAdmin = () => ({ kind: 'session' as const, ...admin });

  const getState = async () => {
    const res = await call({ pattern: '/api/v1/lab/state', method: 'GET', path: '/api/v1/lab/state', as: asAdmin() });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as LabStateView;
  };
  const postFault = (body: unknown) => call({ pattern: '/api/v1/lab/faults', method: 'POST', path: '/api/v1/lab/faults', body, as: asAdmin() });

  let pristine: ComparableState;

  beforeAll(async () => {
    // Three clusters: KMS-encrypted, unencrypted and NKP-encrypted vSAN, so every fault has something to act on.
    [h, lab] = await Promise.all([
      startAuthHarness(),
      startLab({ estate: { clusters: 3, hostsPerCluster: 3, vmsPerHost: 3 }, timings: { rebootDownMs: 200, vmPowerMs: 20, keyRetryMs: 1000 } }),
    ]);
    pristine = comparable(await labRequest(lab, 'GET', '/lab/state'));
    // What npm start hands the web server in lab mode; read by lib/auth/config on first use.
    process.env.KEYWATCH_LAB_CONFIG = JSON.stringify(describeLab(lab));
    admin = await h.session('admin');
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([h?.close(), lab?.stop()]);
  });

  it('does not exist outside lab mode, nor before the lab target is registered', async () => {
    const outside = openLabClient(h.prisma, getSecretBox(), { labMode: false });
    await expect(outside).rejects.toBeInstanceOf(LabControlError);
    await expect(outside).rejects.toMatchObject({ status: 404 });
    const res = await call({ pattern: '/api/v1/lab/state', method: 'GET', path: '/api/v1/lab/state', as: asAdmin() });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/No lab vCenter is registered/);
    expect((await applyLabTargets(h.prisma, getSecretBox(), process.env.KEYWATCH_LAB_CONFIG!)).created.length).toBeGreaterThan(0);
  });

  it('reads the lab state through the stored lab target', async () => {
    const state = await getState();
    expect(state.kmsNodes.map((n) => n.id)).toEqual(['kms-1', 'kms-2', 'kms-3']);
    for (const node of state.kmsNodes) {
      expect(node.port).toBe(node.registeredPort);
      expect(node.status).toBe('up');
      expect(node.keyCount).toBeGreaterThan(0);
    }
    expect(state.hosts.length).toBe(lab.vcenterServer.estate.hosts.length);
    expect(state.hosts.every((host) => host.diskGroupsMounted)).toBe(true);
    expect(state.vms.some((vm) => vm.kmsKeyId !== null)).toBe(true);
    expect(state.vmCount).toBe(lab.vcenterServer.estate.vms.length);
  });

  it('moves a KMS node to another port: the lab state shows the new port and vCenter no longer reaches it', async () => {
    const res = await postFault({ type: 'kms-node-port', node: 'kms-1', port: 5697 });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as FaultResult;
    expect(result.applied).toEqual(['KMS node kms-1 listens on port 5697.']);
    const node = (await getState()).kmsNodes.find((n) => n.id === 'kms-1')!;
    expect(node.port).toBe(5697);
    expect(node.registeredPort).not.toBe(5697);
    expect(node.reachable).toBe(false);
    const events = await h.prisma.auditEvent.findMany({ where: { action: 'lab.fault' } });
    expect(events.map((e) => e.targetId)).toContain('kms-node-port');
  });

  it('refuses bad faults with a 400 naming what was wrong', async () => {
    const unknownType = await postFault({ type: 'melt-datacenter' });
    expect(unknownType.status).toBe(400);
    expect(JSON.stringify(await unknownType.json())).toContain('type');
    const extraField = await postFault({ type: 'clear', everything: true });
    expect(extraField.status).toBe(400);
    const badPort = await postFault({ type: 'kms-node-port', node: 'kms-1', port: 70000 });
    expect(((await badPort.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toHaveProperty('port');
    const noSuchHost = await postFault({ type: 'host-reboot', host: 'esx-nowhere' });
    expect(noSuchHost.status).toBe(400);
    expect(((await noSuchHost.json()) as { error: string }).error).toBe('The lab refused the fault: No host is called esx-nowhere.');
    const bad: [unknown, string][] = [
      [{ type: 'kms-node-certificate-expiring', node: 'kms-1', days: -1 }, 'days'],
      [{ type: 'kms-node-certificate-expiring', node: 'kms-1', days: 2.5 }, 'days'],
      [{ type: 'kms-node-certificate-expiring', days: 5 }, 'node'],
      [{ type: 'kms-replication-lag', ms: 3_600_001 }, 'ms'],
      [{ type: 'kms-replication-lag' }, 'ms'],
      [{ type: 'provider-details-error', on: 'yes' }, 'on'],
      [{ type: 'nkp-unavailable', on: 1 }, 'on'],
      [{ type: 'kms-self-hosted', on: true, node: 'kms-2' }, 'node'],
    ];
    for (const [body, field] of bad) {
      const res = await postFault(body);
      const answer = (await res.json()) as { fieldErrors?: Record<string, string[]>; error?: string };
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(answer), JSON.stringify(body)).toContain(field);
    }
    const noSuchNode = await postFault({ type: 'kms-node-certificate-expiring', node: 'kms-9', days: 3 });
    expect(noSuchNode.status).toBe(400);
    expect(((await noSuchNode.json()) as { error: string }).error).toMatch(/No KMS node is called kms-9/);
  });

  it('offers every fault the lab vCenter accepts, and no other', () => {
    const labTypes = labOwnFaultSchema.options.map((o) => o.shape.type.value).sort();
    const ours = labFaultSchema.options.map((o) => o.shape.type.value).filter((t) => t !== 'restore-all');
    expect(ours.sort()).toEqual(labTypes);
  });

  it('restores everything after an outage that left a rebooted host without its disk groups', async () => {
    for (const node of ['kms-1', 'kms-2', 'kms-3']) expect((await postFault({ type: 'kms-node-down', node })).status).toBe(200);
    const standardCluster = lab.vcenterServer.estate.clusters.find((c) => c.encryption === 'standard')!;
    const host = { id: standardCluster.hostIds[0]! };
    expect((await postFault({ type: 'host-reboot', host: host.id, wait: true })).status).toBe(200);
    const broken = await getState();
    expect(broken.hosts.find((h) => h.id === host.id)!.diskGroupsMounted).toBe(false);
    expect(broken.kmsNodes.every((n) => n.faults.includes('down'))).toBe(true);

    const res = await postFault({ type: 'restore-all' });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as FaultResult;
    expect(result.applied).toContain('KMS node kms-1 listens on port ' + broken.kmsNodes[0]!.registeredPort + ' (restored).');
    expect(result.applied.some((line) => line.startsWith(`Host ${host.id} disk groups mounted`))).toBe(true);
    const restored = await getState();
    expect(restored.kmsNodes.every((n) => n.port === n.registeredPort && n.faults.length === 0 && n.status === 'up')).toBe(true);
    expect(restored.hosts.every((h) => h.diskGroupsMounted)).toBe(true);
    expect(restored.vms.filter((vm) => vm.cryptoState === 'locked')).toEqual([]);
  });

  it('every catalog entry is a fault the lab accepts; after restore-all GET /lab/state equals the pristine state, but for the keys it says it cannot bring back', async () => {
    const state = await getState();
    const standardVm = state.vms.find((vm) => vm.kmsKeyId && !vm.kmsNodeId)!;
    const pick = { node: 'kms-3', host: state.hosts.at(-1)!.id, vm: standardVm.id, vmKey: standardVm.kmsKeyId! };
    // A revoke replicates the key to every node, which would undo the deletion: revoke another one.
    const otherKey = state.vms.find((vm) => vm.kmsKeyId && vm.kmsKeyId !== pick.vmKey)!.kmsKeyId!;
    for (const type of ['kms-node-certificate-expiring', 'kms-replication-lag', 'provider-details-error', 'nkp-unavailable', 'kms-self-hosted']) {
      expect(LAB_FAULT_CATALOG.map((e) => e.fault.type), type).toContain(type);
    }
    for (const entry of LAB_FAULT_CATALOG) {
      if (entry.fault.type === 'restore-all') continue;
      const body: Record<string, unknown> = { ...entry.fault };
      for (const choice of entry.choose ?? []) body[CHOICE_FIELD[choice]] = pick[choice];
      if (entry.fault.type === 'kms-revoke-key') body.keyId = otherKey;
      expect(labFaultSchema.safeParse(body).success, entry.id).toBe(true);
      const res = await postFault(body);
      // 409 = valid but impossible in the state the previous entries left (a host still booting).
      expect([200, 409], `${entry.id}: ${await res.clone().text()}`).toContain(res.status);
      // The catalog's last entry (clear) turns this one off again: look while it is on.
      if (entry.id === 'provider-details-error') expect((await getState()).labFaults).toContain('key provider status reads fail');
    }
    // The other faults the catalog gained are still on, and the page says so.
    const broken = await getState();
    expect(broken.kmsNodes.find((n) => n.id === 'kms-3')!.faults).toContain('certificate expires in 5 days');
    expect(broken.labFaults).toEqual(expect.arrayContaining(['native key provider lab-nkp unavailable', 'KMS replication lags 10 min', 'KMS node 1 VM on the datastore it protects']));

    const res = await postFault({ type: 'restore-all' });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as FaultResult;
    expect(result.skipped).toContain(`key ${pick.vmKey} is missing on kms-3 (deleted; the lab cannot bring it back)`);
    expect(result.skipped).toContain(`key ${otherKey} is Deactivated (revoked; KMIP cannot make it Active again)`);
    expect(result.applied).toEqual(expect.arrayContaining(['KMS node kms-3 presents its normal certificate.', 'Key changes reach the other KMS nodes after 0 ms.', 'The Native Key Provider is available again.']));

    // Pristine, but for what restore-all said it cannot undo.
    const expected = structuredClone(pristine);
    for (const node of expected.kms.nodes) {
      if (node.id === 'kms-3') node.keys = node.keys.filter((k) => k.id !== pick.vmKey);
      for (const key of node.keys) if (key.id === otherKey) key.state = 'Deactivated';
    }
    // A host rebooted by the catalog may still be booting when restore-all answers; it finishes by itself.
    await expect.poll(async () => comparable(await labRequest(lab, 'GET', '/lab/state')), { timeout: 30_000, interval: 500 }).toEqual(expected);
  }, 120_000);

  it('keeps TLS verification on and says when the stored credentials are stale', async () => {
    const wrongCa = new LabClient({ url: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.kms.caPem });
    await expect(wrongCa.state()).rejects.toMatchObject({ code: 'lab-unavailable', status: 502, message: expect.stringMatching(/TLS verification failed/) });
    await wrongCa.close();
    const wrongPassword = new LabClient({ url: lab.vcenter.url, username: lab.vcenter.username, password: 'not-the-password', caPem: lab.vcenter.caPem });
    const fault: LabVcenterFault = { type: 'clear' };
    await expect(wrongPassword.applyFault(fault)).rejects.toMatchObject({ code: 'lab-unavailable', message: expect.stringMatching(/refused the stored lab credentials/) });
    await wrongPassword.close();
  });
});
