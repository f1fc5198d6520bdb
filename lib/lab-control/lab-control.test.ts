import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from '@/lab/main';
import { call, startAuthHarness, type AuthHarness } from '../auth/testing/harness';
import { getSecretBox } from '../secrets/keyring';
import { applyLabTargets } from '../targets/lab-targets';
import { CHOICE_FIELD, LAB_FAULT_CATALOG, labFaultSchema, type LabVcenterFault } from './catalog';
import { openLabClient } from './control';
import { LabClient, LabControlError } from './lab-client';
import type { FaultResult } from './control';
import type { LabStateView } from './lab-state';

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

  beforeAll(async () => {
    [h, lab] = await Promise.all([startAuthHarness(), startLab({ timings: { rebootDownMs: 200, vmPowerMs: 20 } })]);
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

  it('every catalog entry is a fault the lab accepts, and restore-all undoes them', async () => {
    const state = await getState();
    const pick = {
      node: 'kms-3',
      host: state.hosts.at(-1)!.id,
      vm: state.vms.find((vm) => vm.kmsKeyId && !vm.kmsNodeId)!.id,
      vmKey: state.vms.find((vm) => vm.kmsKeyId)!.kmsKeyId!,
    };
    // A revoke replicates the key to every node, which would undo the deletion: revoke another one.
    const otherKey = state.vms.find((vm) => vm.kmsKeyId && vm.kmsKeyId !== pick.vmKey)!.kmsKeyId!;
    for (const entry of LAB_FAULT_CATALOG) {
      const body: Record<string, unknown> = { ...entry.fault };
      for (const choice of entry.choose ?? []) body[CHOICE_FIELD[choice]] = pick[choice];
      if (entry.fault.type === 'kms-revoke-key') body.keyId = otherKey;
      expect(labFaultSchema.safeParse(body).success, entry.id).toBe(true);
      const res = await postFault(body);
      // 409 = valid but impossible in the state the previous entries left (a host already off).
      expect([200, 409], `${entry.id}: ${await res.clone().text()}`).toContain(res.status);
    }
    const res = await postFault({ type: 'restore-all' });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as FaultResult;
    // The catalog deletes a key on one node: restore-all says it cannot bring it back.
    expect(result.skipped.join('\n')).toContain(`key ${pick.vmKey} is missing on kms-3`);
    const after = await getState();
    expect(after.kmsNodes.every((n) => n.port === n.registeredPort && n.faults.length === 0)).toBe(true);
    expect(after.vcenterFaults).toEqual([]);
    expect(after.hosts.every((h) => h.powerState === 'poweredOn' && h.connectionState === 'connected')).toBe(true);
  });

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
