import { expect, test } from './fixtures';
import { E2E_BOOTSTRAP_TOKEN, signIn } from './auth-helpers';

const RUN = Date.now().toString(36);

/** Target forms in the browser: validation errors, a failing test connection, CSR generation, removal. */
test('admin adds a vCenter: a bad URL gets a field error, an unreachable one a clear test result, then it is removed', async ({ page }) => {
  await signIn(page);
  await page.goto('/settings/targets');
  const section = page.getByTestId('vcenters');
  await section.locator('input[name="vc-name"]').fill('e2e-unreachable');
  await section.locator('input[name="vc-url"]').fill('http://vc.example.test');
  await section.locator('input[name="vc-username"]').fill('administrator@vsphere.local');
  await section.locator('input[name="vc-password"]').fill('e2e-vcenter-secret-77');
  await section.getByRole('button', { name: 'Add vCenter' }).click();
  await expect(section.getByRole('alert')).toContainText('must be an https:// URL');
  await section.locator('input[name="vc-url"]').fill('https://127.0.0.1:9');
  await section.getByRole('button', { name: 'Add vCenter' }).click();
  const row = page.getByTestId('vcenter-row-e2e-unreachable');
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Test connection' }).click();
  await expect(row.getByTestId('test-result')).toContainText('127.0.0.1:9', { timeout: 30_000 });
  await expect(row).toContainText('failed');
  // The password is never sent back to the browser.
  const listing = await page.request.get('/api/v1/targets/vcenters');
  expect(await listing.text()).not.toContain('e2e-vcenter-secret-77');
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(row).toHaveCount(0);
});

test('admin adds a KMS provider without a certificate and generates a CSR for the KMS to sign', async ({ page, request }) => {
  const lab = await request.get('/api/v1/targets/kms-providers', { headers: { authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` } });
  const caPem = ((await lab.json()) as { kmsProviders: { caPem: string }[] }).kmsProviders[0]!.caPem;
  await signIn(page);
  await page.goto('/settings/targets');
  const section = page.getByTestId('kms-providers');
  await section.locator('input[name="kms-name"]').fill(`e2e-kms-${RUN}`);
  await section.locator('textarea[name="kms-nodes"]').fill('kms-1.example.test\nkms-2.example.test:5697');
  await section.locator('textarea[name="kms-ca"]').fill('not a certificate');
  await section.getByRole('button', { name: 'Add KMS provider' }).click();
  await expect(section.getByRole('alert')).toContainText('caPem');
  await section.locator('textarea[name="kms-ca"]').fill(caPem);
  await section.getByRole('button', { name: 'Add KMS provider' }).click();
  const row = page.getByTestId(`kms-row-e2e-kms-${RUN}`);
  await expect(row).toContainText('kms-1.example.test:5696, kms-2.example.test:5697');
  await row.getByRole('button', { name: 'Generate CSR' }).click();
  await expect(row.getByTestId('csr-pem')).toContainText('-----BEGIN CERTIFICATE REQUEST-----');
  const listing = await page.request.get('/api/v1/targets/kms-providers');
  expect(await listing.text()).not.toContain('PRIVATE KEY');
  // Removed again: a provider with no certificate never reports, and the suite's later journeys expect a
  // dashboard with no stale target on it.
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(row).toHaveCount(0);
});
