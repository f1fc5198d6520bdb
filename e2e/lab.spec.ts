import { expect, test } from './fixtures';
import { signIn } from './auth-helpers';

/**
 * The newcomer's first minutes, as far as the pages exist today: sign in, open the Lab page, break
 * the KMS the way the seeds did, see it in the lab's state, put everything back. (The overview
 * turning red and the blast radius join this journey when those pages exist.)
 */
test('journey: newcomer signs in, moves KMS node 1 to port 5697 on the Lab page, sees it, and restores everything', async ({ page }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lab' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Lab' })).toBeVisible();

  const node1 = page.getByTestId('lab-node-kms-1');
  await expect(node1).toBeVisible();
  const registered = (await node1.getByTestId('node-address').textContent())!.split(':').at(-1)!;
  expect(registered).not.toBe('5697');
  await expect(node1).toContainText('yes');

  await page.getByRole('button', { name: 'Move KMS node 1 to port 5697' }).click();
  // Progress while the lab works, then its answer.
  const result = page.getByTestId('lab-result');
  await expect(result).toContainText('Move KMS node 1 to port 5697: done');
  await expect(result).toContainText('KMS node kms-1 listens on port 5697.');
  await expect(node1.getByTestId('node-address')).toHaveText(/:5697$/);
  await expect(node1).toContainText(`${registered} (moved)`);
  // vCenter dials the registered port, where nothing listens now.
  await expect(node1.getByRole('cell', { name: 'no', exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Restore everything' }).click();
  await expect(result).toContainText('Restore everything: done');
  await expect(result).toContainText(`KMS node kms-1 listens on port ${registered} (restored).`);
  await expect(node1.getByTestId('node-address')).toHaveText(new RegExp(`:${registered}$`));
  await expect(node1).toContainText('yes');
});

test('a host reboot asks first, naming the host; Escape cancels and focus returns to the button', async ({ page }) => {
  await signIn(page);
  await page.goto('/lab');
  const card = page.getByTestId('lab-fault-host-reboot');
  const host = card.getByLabel('Host');
  // Enabled once the lab state has arrived and fed the choices.
  await expect(host).toBeEnabled();
  const hostId = await host.locator('option').last().getAttribute('value');
  await host.selectOption(hostId!);
  const hostName = (await host.locator('option:checked').textContent())!;
  const reboot = card.getByRole('button', { name: 'Reboot the host' });

  await reboot.click();
  const dialog = page.getByRole('dialog', { name: 'Reboot the host?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(hostName);
  // Focus starts inside and Tab cannot leave the dialog.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  for (let i = 0; i < 4; i += 1) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(reboot).toBeFocused();

  const hostState = async () =>
    ((await (await page.request.get('/api/v1/lab/state')).json()) as { hosts: { id: string; phase: string; bootCount: number; diskGroupsMounted: boolean }[] }).hosts.find((h) => h.id === hostId)!;
  const before = await hostState();
  expect(before.phase).toBe('up');
  await reboot.click();
  await dialog.getByRole('button', { name: 'Reboot the host' }).click();
  await expect(page.getByTestId('lab-result')).toContainText(`Host ${hostId} is rebooting.`);
  // The KMS answers, so the host boots again and mounts its disk groups.
  await expect.poll(async () => (await hostState()).bootCount, { timeout: 30_000 }).toBe(before.bootCount + 1);
  await expect.poll(async () => (await hostState()).diskGroupsMounted, { timeout: 30_000 }).toBe(true);
  const row = page.getByTestId(`lab-host-${hostId}`);
  await expect(row.getByRole('cell', { name: String(before.bootCount + 1), exact: true })).toBeVisible();
  await expect(row).toContainText('mounted');
});

test('the newer faults are buttons with their stories: an expiring KMS certificate and the KMS VM on its own datastore show in the lab state, and restore everything puts them back', async ({ page }) => {
  // Two faults and a restore, each a round trip to the lab and a refresh of its state: more than the
  // default minute when the machine is busy.
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto('/lab');
  const expiring = page.getByTestId('lab-fault-kms-node-certificate-expiring');
  await expect(expiring).toContainText('Keywatch should warn now (KMS_CERT_EXPIRING)');
  for (const id of ['kms-replication-lag', 'kms-self-hosted', 'provider-details-error', 'nkp-unavailable']) await expect(page.getByTestId(`lab-fault-${id}`)).toBeVisible();
  const badge = page.getByTestId('lab-faults');
  await expect(badge).toHaveText('Lab faults: none');

  const node = expiring.getByLabel('KMS node');
  await expect(node).toBeEnabled();
  await node.selectOption('kms-2');
  await expiring.getByRole('button', { name: 'Make the KMS node certificate expire in 5 days' }).click();
  const result = page.getByTestId('lab-result');
  await expect(result).toContainText('KMS node kms-2 presents a certificate that expires in 5 days.');
  await expect(page.getByTestId('lab-node-kms-2')).toContainText('certificate expires in 5 days');

  await page.getByRole('button', { name: "Move KMS node 1's VM onto the datastore it protects" }).click();
  await expect(result).toContainText(/kms-1 \(vm-\d+\) now runs on host-\d+ from vsanDatastore-/);
  await expect(badge).toContainText('KMS node 1 VM on the datastore it protects');

  await page.getByRole('button', { name: 'Restore everything' }).click();
  await expect(result).toContainText('Restore everything: done');
  await expect(result).toContainText('KMS node kms-2 presents its normal certificate.');
  await expect(result).toContainText(/kms-1 \(vm-\d+\) now runs on host-\d+ from mgmt-nfs/);
  await expect(badge).toHaveText('Lab faults: none');
  await expect(page.getByTestId('lab-node-kms-2')).not.toContainText('certificate expires');
});

test('the lab routes are for administrators only', async ({ page, request }) => {
  const anonymous = await request.get('/api/v1/lab/state');
  expect(anonymous.status()).toBe(401);
  await signIn(page);
  const bad = await page.request.post('/api/v1/lab/faults', {
    headers: { 'x-csrf-token': (await page.context().cookies()).find((c) => c.name === 'kw_csrf')!.value },
    data: { type: 'kms-node-port', node: 'kms-1', port: 'five' },
  });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toHaveProperty('port');
});
