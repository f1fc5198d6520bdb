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
