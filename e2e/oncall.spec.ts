import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { z } from 'zod';
import { signIn } from './auth-helpers';
import { expect, test } from './fixtures';

/**
 * The on-call journey of a KMS outage, through the UI against `npm start` and its lab: all KMS
 * nodes down and a host rebooted → the disk-group alert appears with its runbook → acknowledged
 * with a note → KMS restored → the disk groups mount by themselves (the host's key retry) and the
 * alert resolves → "Unlock all" on the host → VM_LOCKED resolves.
 */
const labFile = z.object({ vcenter: z.object({ url: z.string(), username: z.string(), password: z.string(), caFile: z.string() }) });
const labState = z.object({
  hosts: z.array(z.object({ id: z.string(), name: z.string(), diskGroupsMounted: z.boolean() })),
  vms: z.array(z.object({ id: z.string(), hostId: z.string(), powerState: z.string(), cryptoState: z.string().nullable(), configKey: z.object({ providerId: z.string() }).nullable() })),
  clusters: z.array(z.object({ encryption: z.string(), hostIds: z.array(z.string()) })),
  kms: z.object({ nodes: z.array(z.object({ id: z.string() })) }).passthrough(),
});

function labClient() {
  const lab = labFile.parse(JSON.parse(readFileSync(path.join(process.env.E2E_DATA_DIR!, 'lab', 'lab.json'), 'utf8')));
  const dispatcher = new Agent({ connect: { ca: readFileSync(lab.vcenter.caFile, 'utf8') } });
  const auth = `Basic ${Buffer.from(`${lab.vcenter.username}:${lab.vcenter.password}`).toString('base64')}`;
  const call = async (method: 'GET' | 'POST', route: string, body?: unknown) => {
    const res = await fetch(`${lab.vcenter.url}${route}`, { method, dispatcher, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const json: unknown = await res.json();
    expect(res.ok, `${method} ${route} ${JSON.stringify(body ?? '')}: ${JSON.stringify(json)}`).toBe(true);
    return json;
  };
  return {
    fault: (body: Record<string, unknown>) => call('POST', '/lab/faults', body),
    state: async () => labState.parse(await call('GET', '/lab/state')),
    close: () => dispatcher.close(),
  };
}

test('journey: on-call — KMS outage and host reboot: alert with runbook, acknowledge, KMS restored, disk groups remount by themselves, unlock all', async ({ page }) => {
  test.setTimeout(600_000);
  const lab = labClient();
  try {
    const before = await lab.state();
    const cluster = before.clusters.find((c) => c.encryption === 'standard')!;
    const hostId = cluster.hostIds.find((id) => before.vms.some((v) => v.hostId === id && v.powerState === 'poweredOn' && v.configKey?.providerId === 'lab-kms'))!;
    expect(hostId).toBeDefined();
    const hostName = before.hosts.find((h) => h.id === hostId)!.name;

    await signIn(page);
    for (const node of before.kms.nodes) await lab.fault({ type: 'kms-node-down', node: node.id });
    await lab.fault({ type: 'host-reboot', host: hostId, wait: true });

    // The alert appears, pinned on top, with its runbook.
    await page.goto('/alerts');
    const diskAlert = page.locator('article[data-kind="DISK_GROUP_UNMOUNTED"]').first();
    await expect(diskAlert).toBeVisible({ timeout: 120_000 });
    await expect(page.locator('article.alert-card').first()).toHaveAttribute('data-kind', 'DISK_GROUP_UNMOUNTED');
    await expect(diskAlert).toContainText(hostName);
    await expect(diskAlert.getByRole('region', { name: 'Runbook' })).toContainText('retries fetching the KEK by itself');
    await expect(page.locator('article[data-kind="VM_LOCKED"]').first()).toBeVisible({ timeout: 60_000 });

    // Acknowledge with a note.
    await diskAlert.getByLabel('Acknowledge with a note').fill('on it: KMS cluster down, restoring');
    await diskAlert.getByRole('button', { name: 'Acknowledge' }).click();
    await expect(diskAlert).toContainText('on it: KMS cluster down, restoring');

    // Unlock while the KMS is down: refused, nothing sent to vCenter.
    const lockedAlert = page.locator('article[data-kind="VM_LOCKED"]').first();
    await lockedAlert.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(lockedAlert.getByRole('alert')).toContainText('nothing was sent to vCenter');

    // KMS back, no remount: the host mounts its disk groups at its next key retry; the alert resolves.
    for (const node of before.kms.nodes) await lab.fault({ type: 'kms-node-down', node: node.id, down: false });
    await expect(page.locator('article[data-kind="DISK_GROUP_UNMOUNTED"]')).toHaveCount(0, { timeout: 150_000 });
    expect((await lab.state()).hosts.find((h) => h.id === hostId)!.diskGroupsMounted).toBe(true);
    // The VMs are still locked: VM_LOCKED stays.
    await expect(page.locator('article[data-kind="VM_LOCKED"]').first()).toBeVisible();

    // Unlock all on the host → every VM unlocked, VM_LOCKED resolves.
    await page
      .locator('article[data-kind="VM_LOCKED"]')
      .first()
      .getByRole('button', { name: `Unlock all locked VMs on ${hostName}` })
      .click();
    await expect(page.getByRole('status').filter({ hasText: /Unlocked \d+ VM\(s\)/ })).toBeVisible({ timeout: 120_000 });
    const after = await lab.state();
    expect(after.vms.filter((v) => v.hostId === hostId && v.cryptoState === 'locked')).toEqual([]);
    await expect(page.locator('article[data-kind="VM_LOCKED"]')).toHaveCount(0, { timeout: 120_000 });
  } finally {
    await lab.close();
  }
});
