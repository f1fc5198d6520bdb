import { expect, test } from './fixtures';
import { signIn } from './auth-helpers';

test('the overview page shows Keywatch navigation and its own health', async ({ page }) => {
  await signIn(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const label of ['Hosts', 'Key providers', 'Alerts', 'Campaigns', 'Audit']) {
    await expect(nav.getByRole('link', { name: label })).toBeVisible();
  }
  // The worker is a separate process: "alive" here means it really wrote heartbeats to the database.
  await expect(page.getByTestId('health-database')).toHaveText(/^ok \(\d+ ms\)$/);
  await expect(page.getByTestId('health-worker')).toHaveText('alive');

  await nav.getByRole('link', { name: 'Hosts' }).click();
  await expect(page).toHaveURL(/\/hosts$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Hosts' })).toBeVisible();
});

test('/api/health reports database ok and worker alive, without signing in', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.database.status).toBe('ok');
  expect(body.worker.status).toBe('alive');
});

test('the overview is rendered on the server: the first HTML already holds the providers, the host grid and the freshness', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  // Wait until the worker has polled, so that there is something to render.
  await page.goto('/');
  await expect(page.getByTestId('host-counts')).toContainText(/[1-9]\d* READY/, { timeout: 90_000 });
  const html = await (await page.request.get('/')).text();
  expect(html).toContain('data-testid="overview-providers"');
  expect(html).toContain('data-testid="provider-lab-kms"');
  expect(html).toMatch(/data-state="READY"/);
  expect(html).toContain('data-testid="overview-freshness"');
  // Every host has its cell, linked to its page; the counts add up.
  const cells = page.locator('.host-cell');
  const n = await cells.count();
  expect(n).toBeGreaterThan(0);
  const counts = (await page.getByTestId('host-counts').textContent())!.match(/\d+/g)!.map(Number);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
  await expect(cells.first()).toHaveAttribute('href', /^\/hosts\/.+/);
  await expect(page.getByTestId('freshness-lab-vcenter').or(page.getByTestId('overview-freshness').locator('dd').first())).toContainText(/fresh|stale/);
  // One tab stop for the whole grid; arrow keys move inside it, Tab leaves it, Enter opens the host.
  await expect(page.locator('.host-cell[tabindex="0"]')).toHaveCount(1);
  await cells.first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(cells.nth(1)).toBeFocused();
  await expect(page.locator('.host-cell[tabindex="0"]')).toHaveCount(1);
  await page.keyboard.press('Tab');
  await expect(page.locator('.host-cell:focus')).toHaveCount(0);
  await page.keyboard.press('Shift+Tab');
  await expect(cells.nth(1)).toBeFocused();
  const second = await cells.nth(1).getAttribute('href');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${second!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
});

test('the history page charts the KMS nodes over 1 h to 30 d, lists every certificate and a host\'s alerts, each with a text summary', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  await page.goto('/history');
  const latency = page.getByTestId('history-latency');
  await expect(latency.locator('.chart-summary li')).toHaveCount(3, { timeout: 60_000 });
  await expect(latency.locator('.chart-summary')).toContainText(/last \d/);
  await latency.getByRole('button', { name: '30 d' }).click();
  await expect(latency.getByRole('button', { name: '30 d' })).toHaveAttribute('aria-pressed', 'true');
  // 30 d reads five-minute roll-ups, hourly; a server minutes old may have none yet, which the frame says.
  await expect(latency.locator('.chart-summary li').first().or(latency.getByText('No samples in this window yet.'))).toBeVisible({ timeout: 30_000 });
  const month = await page.request.get('/api/v1/history/kms-nodes?provider=lab-kms&range=30d');
  expect(month.status()).toBe(200);
  expect(((await month.json()) as { range: string; nodes: unknown[] }).nodes).toHaveLength(3);
  await latency.getByRole('button', { name: '1 h' }).click();
  await expect(page.getByTestId('history-availability').locator('.chart-summary')).toContainText('% available');
  const certs = page.getByTestId('certificate-summary');
  await expect(certs.locator('li').filter({ hasText: 'Server certificate' })).toHaveCount(3);
  await expect(certs.locator('li').filter({ hasText: 'Client certificate' })).toHaveCount(1);
  await expect(certs).toContainText(/expires in \d+ days/);
  await page.getByRole('textbox', { name: 'Host' }).fill('no-such-host.example');
  await page.getByRole('button', { name: 'Show its alerts' }).click();
  await expect(page.getByTestId('history-host-alerts')).toContainText('No host no-such-host.example is known to Keywatch.');
  const res = await page.request.get('/api/v1/history/host-alerts?range=5y&host=x');
  expect(res.status()).toBe(400);
});
