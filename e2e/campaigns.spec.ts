import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { z } from 'zod';
import { E2E_BOOTSTRAP_TOKEN, E2E_ROLE_PASSWORD, ensureRoleUser, signIn } from './auth-helpers';
import { expect, test } from './fixtures';

/**
 * The manager's journey: a campaign from the NKP lab-nkp to the KMS lab-kms over a few lab VMs,
 * created and started through the API as admin, run by the worker's executor, with a rekey failure
 * injected on one VM through the lab's fault API. The manager sees the progress, the failure under
 * its class with its workaround, and the burndown chart, without the admin's buttons. The
 * remediation API refuses bad input; then an admin fixes the VM from the page (power cycle → rekey
 * → power on, confirmed first) and the lab's ground truth agrees.
 */
const LabFileSchema = z.object({ vcenter: z.object({ url: z.string().url(), username: z.string(), password: z.string(), caFile: z.string() }) });
const LabStateSchema = z.object({
  vms: z.array(z.object({ id: z.string(), name: z.string(), powerState: z.string(), cryptoState: z.string().nullable(), configKey: z.object({ providerId: z.string() }).nullable() })),
});

function labClient() {
  const file = LabFileSchema.parse(JSON.parse(readFileSync(path.join(process.env.E2E_DATA_DIR!, 'lab', 'lab.json'), 'utf8')));
  const dispatcher = new Agent({ connect: { ca: readFileSync(file.vcenter.caFile, 'utf8') } });
  const auth = `Basic ${Buffer.from(`${file.vcenter.username}:${file.vcenter.password}`).toString('base64')}`;
  const call = async (method: 'GET' | 'POST', p: string, body?: unknown) => {
    const res = await fetch(`${file.vcenter.url}${p}`, { method, dispatcher, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const json = (await res.json()) as unknown;
    expect(res.status, `${method} ${p}: ${JSON.stringify(json)}`).toBe(200);
    return json;
  };
  return { call, close: () => dispatcher.close() };
}

test('journey: manager follows a campaign’s progress, its failures by class and the burndown chart; an admin remediates the failure from the page', async ({ page, request }) => {
  test.setTimeout(360_000);
  const admin = { authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` };
  const lab = labClient();
  try {
    const state = LabStateSchema.parse(await lab.call('GET', '/lab/state'));
    const vms = state.vms.filter((v) => v.configKey?.providerId === 'lab-nkp' && v.powerState === 'poweredOn' && v.cryptoState === 'unlocked').slice(0, 4);
    expect(vms.length).toBe(4);
    const failing = vms[1]!;
    await lab.call('POST', '/lab/faults', { type: 'rekey-failure', mode: 'refuse-powered-on', vms: [failing.id] });

    const vcenters = (await (await request.get('/api/v1/targets/vcenters', { headers: admin })).json()) as { vcenters: { id: string; name: string }[] };
    const vcenterId = vcenters.vcenters.find((v) => v.name === 'lab-vcenter')!.id;

    // Bad input is refused with the reason, and nothing is created.
    const same = await request.post('/api/v1/campaigns', { headers: admin, data: { name: 'bad', vcenterId, sourceProviderId: 'lab-nkp', targetProviderId: 'lab-nkp', scope: { type: 'vms', vmIds: [vms[0]!.id] } } });
    expect(same.status()).toBe(400);

    // The campaign is made against the poller's stored inventory: wait for the first poll to land.
    const body = { name: 'NKP → KMS (e2e)', vcenterId, sourceProviderId: 'lab-nkp', targetProviderId: 'lab-kms', scope: { type: 'vms', vmIds: vms.map((v) => v.id) }, executor: { enabled: true } };
    let campaignId = '';
    await expect
      .poll(
        async () => {
          const res = await request.post('/api/v1/campaigns', { headers: admin, data: body });
          if (res.status() === 201) campaignId = ((await res.json()) as { campaign: { id: string } }).campaign.id;
          return res.status();
        },
        { timeout: 90_000, intervals: [2000] },
      )
      .toBe(201);
    const start = await request.post(`/api/v1/campaigns/${campaignId}/start`, { headers: admin, data: {} });
    expect(start.status(), await start.text()).toBe(200);

    // The worker's executor takes the VMs one at a time: three verified, one failed.
    await expect
      .poll(
        async () => {
          const res = await request.get(`/api/v1/campaigns/${campaignId}`, { headers: admin });
          const c = ((await res.json()) as { campaign: { progress: { vms: { verified: number; failed: number } } } }).campaign;
          return c.progress.vms;
        },
        { timeout: 120_000, intervals: [2000] },
      )
      .toMatchObject({ verified: 3, failed: 1 });
    const truth = LabStateSchema.parse(await lab.call('GET', '/lab/state'));
    expect(truth.vms.filter((v) => vms.some((x) => x.id === v.id) && v.configKey?.providerId === 'lab-kms').map((v) => v.id).sort()).toEqual(vms.filter((v) => v !== failing).map((v) => v.id).sort());
    expect(truth.vms.filter((v) => v.cryptoState === 'locked')).toEqual([]);

    // The manager (read-only on campaigns) signs in and follows it.
    await ensureRoleUser(request, 'e2e-manager', 'manager');
    await signIn(page, 'e2e-manager', E2E_ROLE_PASSWORD);
    await page.goto('/campaigns');
    await expect(page.getByRole('heading', { level: 1, name: 'Campaigns' })).toBeVisible();
    await expect(page.getByRole('form', { name: 'New campaign' })).toHaveCount(0);
    await page.getByTestId('campaign-list').getByRole('link', { name: 'NKP → KMS (e2e)' }).click();
    await expect(page).toHaveURL(new RegExp(`/campaigns/${campaignId}$`));
    await expect(page.getByTestId('percent-verified')).toHaveText(/^\d+(\.\d)?%$/);
    const percent = Number((await page.getByTestId('percent-verified').textContent())!.replace('%', ''));
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);
    const failures = page.getByTestId('failure-class-POWERED_ON_UNSUPPORTED');
    await expect(failures).toBeVisible();
    await expect(failures.getByRole('link', { name: new RegExp(failing.id) })).toBeVisible();
    await expect(failures).toContainText('Cost:');
    await expect(page.getByTestId('burndown-chart').locator('svg.recharts-surface')).toBeVisible();
    // One day of data: a single point, so the day's tick on the X axis is what shows the chart is drawn from it.
    const today = new Date().toISOString().slice(0, 10);
    await expect(page.getByTestId('burndown-chart').locator('.recharts-cartesian-axis-tick-value')).toContainText([today]);
    await expect(page.getByTestId('items-per-day-chart').locator('svg.recharts-surface')).toBeVisible();
    await expect(page.getByTestId('items-per-day-chart').locator('.recharts-cartesian-axis-tick-value')).toContainText([today]);
    await expect(page.getByRole('link', { name: 'Export items as CSV' })).toHaveAttribute('href', `/api/v1/campaigns/${campaignId}/export`);
    // Managers read; the admin buttons are not theirs.
    await expect(page.getByRole('button', { name: /^(Start|Pause|Resume)$/ })).toHaveCount(0);
    const csv = await page.request.get(`/api/v1/campaigns/${campaignId}/export`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\r\n').filter(Boolean).length).toBeGreaterThan(vms.length);
    await expect(page.getByRole('button', { name: new RegExp(`^Power cycle and rekey ${failing.name}$`) })).toHaveCount(0);

    // The remediation API refuses what it must: no confirmation of the downtime, an action that does not exist, a VM not in the campaign.
    const remediate = (data: unknown) => request.post(`/api/v1/campaigns/${campaignId}/remediate`, { headers: admin, data });
    const unconfirmed = await remediate({ action: 'power-cycle', vmMoid: failing.id });
    expect(unconfirmed.status()).toBe(400);
    expect(await unconfirmed.text()).toContain('confirmPowerOff');
    expect((await remediate({ action: 'format-disk', vmMoid: failing.id })).status()).toBe(400);
    expect((await remediate({ action: 'reload', vmMoid: 'vm-999999' })).status()).toBe(404);
    expect(LabStateSchema.parse(await lab.call('GET', '/lab/state')).vms.find((v) => v.id === failing.id)!.configKey?.providerId).toBe('lab-nkp');

    // The admin fixes the failed VM from the page: its class offers power cycle → rekey → power on, confirmed first.
    await ensureRoleUser(request, 'e2e-camp-admin', 'admin');
    await page.context().clearCookies();
    await signIn(page, 'e2e-camp-admin', E2E_ROLE_PASSWORD);
    await page.goto(`/campaigns/${campaignId}`);
    const failedVm = page.getByTestId(`failed-${failing.id}`);
    await expect(failedVm.getByRole('button', { name: `Retry ${failing.name}` })).toBeVisible();
    let confirmed = '';
    page.once('dialog', (dialog) => {
      confirmed = dialog.message();
      void dialog.accept();
    });
    // Once verified the VM leaves the failures list (and its result line with it): the API's answer says how it went.
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/campaigns/${campaignId}/remediate`) && r.request().method() === 'POST', { timeout: 120_000 }),
      failedVm.getByRole('button', { name: `Power cycle and rekey ${failing.name}` }).click(),
    ]);
    expect(answer.status(), await answer.text()).toBe(200);
    expect(await answer.json()).toMatchObject({ result: { action: 'power-cycle', vmMoid: failing.id, pending: 0, failed: 0 } });
    expect(confirmed).toContain('downtime');
    await expect(page.getByTestId('failure-class-POWERED_ON_UNSUPPORTED')).toHaveCount(0, { timeout: 20_000 });
    await expect(page.getByTestId('percent-verified')).toHaveText('100%', { timeout: 20_000 });
    const fixed = LabStateSchema.parse(await lab.call('GET', '/lab/state')).vms.find((v) => v.id === failing.id)!;
    expect(fixed).toMatchObject({ powerState: 'poweredOn', cryptoState: 'unlocked', configKey: { providerId: 'lab-kms' } });
    const audit = await request.get(`/api/v1/audit?action=campaign.remediate`, { headers: admin });
    expect(audit.status()).toBe(200);
    expect(await audit.text()).toContain('power-cycle');
  } finally {
    await lab.close();
  }
});
