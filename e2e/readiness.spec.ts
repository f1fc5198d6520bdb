import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { E2E_BOOTSTRAP_TOKEN, signIn } from './auth-helpers';

/**
 * The readiness gate in the browser against `npm start`'s lab: the worker stores the estate, the
 * host page runs live checks, the lab's fault API moves the KMS nodes to other ports (the seeds'
 * outage) and back.
 */
interface LabFile {
  vcenter: { url: string; username: string; password: string };
  kms: { nodes: { id: string; port: number }[] };
}

const auth = { authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` };

function readLab(): LabFile {
  return JSON.parse(readFileSync(path.join(process.env.E2E_DATA_DIR!, 'lab', 'lab.json'), 'utf8')) as LabFile;
}

async function labContext(lab: LabFile): Promise<APIRequestContext> {
  const basic = Buffer.from(`${lab.vcenter.username}:${lab.vcenter.password}`).toString('base64');
  return playwrightRequest.newContext({ baseURL: lab.vcenter.url, ignoreHTTPSErrors: true, extraHTTPHeaders: { authorization: `Basic ${basic}` } });
}

test('journey: admin checks a host, sees the KMS port change block its reboot, restores it and reboots the host through the gate', async ({ page, request }) => {
  test.setTimeout(240_000);
  const lab = readLab();
  const labApi = await labContext(lab);
  const state = (await (await labApi.get('/lab/state')).json()) as {
    clusters: { encryption: string; hostIds: string[] }[];
    hosts: { id: string; name: string; bootCount: number }[];
    vms: { hostId: string; configKey: { providerId: string } | null }[];
  };
  const cluster = state.clusters.find((c) => c.encryption === 'standard')!;
  const hostId = cluster.hostIds.find((id) => state.vms.some((v) => v.hostId === id && v.configKey?.providerId === 'lab-kms'))!;
  const host = state.hosts.find((h) => h.id === hostId)!;
  const bootsBefore = host.bootCount;

  // The worker stores the estate first; the gate resolves hosts through it.
  await expect.poll(async () => (await request.get(`/api/v1/hosts/${host.name}/readiness`, { headers: auth })).status(), { timeout: 90_000 }).toBe(200);
  // The host page is addressed by Keywatch's host id ("<vCenter target>:<moid>"); the API also takes names.
  const hostRowId = ((await (await request.get(`/api/v1/hosts/${host.name}/readiness`, { headers: auth })).json()) as { host: { id: string } }).host.id;
  // Patching starts with maintenance mode: through the gate too.
  const enter = await request.post(`/api/v1/hosts/${host.name}/actions`, { headers: auth, data: { action: 'enter-maintenance' } });
  expect(enter.status(), await enter.text()).toBe(202);
  const enterId = ((await enter.json()) as { action: { id: string } }).action.id;
  await expect.poll(async () => ((await (await request.get(`/api/v1/hosts/${host.name}/actions/${enterId}`, { headers: auth })).json()) as { state: string }).state, { timeout: 60_000 }).toBe('succeeded');

  await signIn(page);
  await page.goto(`/hosts/${encodeURIComponent(hostRowId)}`);
  await expect(page.getByTestId('readiness-verdict')).toHaveText('READY', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Reboot', exact: true })).toBeEnabled();

  // The cluster's rolling plan, one link away: this host is the one in progress, the others wait for it.
  await page.locator('.lede').getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText(host.name);
  const planRow = page.locator(`[data-testid="plan-table"] tr[data-host="${host.name}"]`);
  await expect(planRow).toHaveAttribute('data-state', 'in-progress', { timeout: 60_000 });
  await expect(page.getByTestId('plan-next')).toContainText(`${host.name} is being patched now`);
  await expect(page.locator('[data-testid="plan-table"] tr[data-state="waiting"]').first()).toContainText(`Waits for ${host.name} to leave maintenance mode`);
  await page.goBack();
  await expect(page.getByTestId('readiness-verdict')).toHaveText('READY', { timeout: 30_000 });

  // The seeds' outage: every KMS node moved to another port.
  for (const n of lab.kms.nodes) {
    const res = await labApi.post('/lab/faults', { data: { type: 'kms-node-port', node: n.id, port: n.port + 1500 } });
    expect(res.status(), await res.text()).toBe(200);
  }
  await page.getByRole('button', { name: 'Run check' }).click();
  await expect(page.getByTestId('readiness-verdict')).toHaveText('BLOCKED', { timeout: 30_000 });
  await expect(page.locator('tr[data-rule="KMS_NODE_REACHABLE"]')).toHaveAttribute('data-status', 'fail');
  await expect(page.locator('tr[data-rule="KMS_NODE_REACHABLE"]')).toContainText('did not answer');
  await expect(page.getByRole('button', { name: 'Reboot', exact: true })).toBeDisabled();
  // And the server refuses it too, whatever the page shows.
  const refused = await request.post(`/api/v1/hosts/${host.name}/actions`, { headers: auth, data: { action: 'reboot' } });
  expect(refused.status()).toBe(409);
  expect(((await refused.json()) as { blocking: string[] }).blocking).toContain('KMS_NODE_REACHABLE');
  const mid = (await (await labApi.get('/lab/state')).json()) as typeof state;
  expect(mid.hosts.find((h) => h.id === hostId)!.bootCount).toBe(bootsBefore);

  for (const n of lab.kms.nodes) await labApi.post('/lab/faults', { data: { type: 'kms-node-port', node: n.id } });
  await page.getByRole('button', { name: 'Run check' }).click();
  await expect(page.getByTestId('readiness-verdict')).toHaveText('READY', { timeout: 30_000 });

  await page.getByRole('button', { name: 'Reboot', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(host.name);
  await dialog.getByRole('button', { name: `Confirm reboot of ${host.name}` }).click();
  await expect(page.getByTestId('action-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(page.getByTestId('action-progress')).toContainText('disk groups mounted');
  const after = (await (await labApi.get('/lab/state')).json()) as { hosts: { id: string; bootCount: number; diskGroupsMounted: boolean }[] };
  expect(after.hosts.find((h) => h.id === hostId)).toMatchObject({ bootCount: bootsBefore + 1, diskGroupsMounted: true });
  await labApi.dispose();
});
