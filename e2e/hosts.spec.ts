import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { signIn } from './auth-helpers';

/**
 * The hosts table an admin reads before a patch window: which hosts would not come back from a
 * reboot, found with the verdict filter and sort that the server applies, in a URL that survives a
 * reload and can be handed to a colleague.
 */

async function labFault(page: Page, fault: Record<string, unknown>): Promise<void> {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'kw_csrf')!.value;
  const res = await page.request.post('/api/v1/lab/faults', { headers: { 'x-csrf-token': csrf }, data: fault });
  expect(res.status(), JSON.stringify(fault)).toBe(200);
}

test('journey: admin before patching finds the hosts that cannot reboot: verdict filter and sort from the server, kept in the URL', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  // A host of the standard-KMS vSAN cluster cut off from the KMS: vCenter reports the provider in error on it.
  const dependents = (await (await page.request.get('/api/v1/blast-radius')).json()) as { providers: { id: string; clusters: { name: string }[] }[] };
  const cluster = dependents.providers.find((p) => p.id === 'lab-kms')!.clusters[0]!.name;
  const labHosts = ((await (await page.request.get('/api/v1/lab/state')).json()) as { hosts: { id: string; name: string; cluster: string | null }[] }).hosts;
  const victim = labHosts.filter((h) => h.cluster === cluster).sort((a, b) => a.name.localeCompare(b.name))[0]!;
  await labFault(page, { type: 'host-kms-isolation', host: victim.id });
  try {
    await page.goto('/hosts');
    const table = page.getByTestId('hosts-table');
    await expect(table.locator('tbody tr').first()).toBeVisible();

    await page.getByLabel('Reboot verdict').selectOption('BLOCKED');
    await expect(page).toHaveURL(/[?&]verdict=BLOCKED/);
    // The worker's next vCenter poll turns the host BLOCKED; the table refreshes by itself (until then the
    // previous page stays on screen, dimmed, and then the filter may answer that nothing matches yet).
    await expect(page.getByTestId(`host-row-${victim.name}`).locator('td.verdict .badge')).toHaveText('BLOCKED', { timeout: 120_000 });
    await expect(table).not.toHaveAttribute('aria-busy', 'true');
    const verdicts = table.locator('td.verdict .badge');
    expect(await verdicts.allTextContents()).toEqual(Array(await verdicts.count()).fill('BLOCKED'));
    await expect(page.getByTestId(`host-row-${victim.name}`).locator('td.verdict')).toContainText(/key provider/);

    // Kept in the URL: a reload (or a shared link) shows the same filtered view.
    await page.reload();
    await expect(page.getByLabel('Reboot verdict')).toHaveValue('BLOCKED');
    await expect(page.getByTestId(`host-row-${victim.name}`)).toBeVisible();

    // Everything, worst first: the sort is the server's, so BLOCKED leads on page 1 of every host.
    await page.getByLabel('Reboot verdict').selectOption('');
    await table.getByRole('button', { name: /Reboot verdict/ }).click();
    await expect(page).toHaveURL(/[?&]sort=verdict/);
    await expect(table.getByRole('columnheader', { name: /Reboot verdict/ })).toHaveAttribute('aria-sort', 'ascending');
    // Every host now, not only the BLOCKED ones: the healthy rest follows.
    await expect(verdicts.last()).toHaveText('READY');
    await expect(verdicts.first()).toHaveText('BLOCKED');
    await expect(page.getByText(/Rows 1–\d+ of \d+/)).toBeVisible();
    await table.getByRole('button', { name: /Reboot verdict/ }).click();
    await expect(page).toHaveURL(/[?&]sort=-verdict/);
    await expect(table.getByRole('columnheader', { name: /Reboot verdict/ })).toHaveAttribute('aria-sort', 'descending');
    await expect(verdicts.first()).toHaveText('READY');

    // Name search narrows on the server too, and the host links to its page.
    await page.getByLabel('Name').fill(victim.name);
    await expect(page).toHaveURL(new RegExp(`[?&]q=${victim.name}`));
    await expect(table.locator('tbody tr').first()).toContainText(victim.name);
    expect((await table.locator('tbody tr td:first-child').allTextContents()).every((t) => t.includes(victim.name))).toBe(true);
    await table.getByRole('link', { name: victim.name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/hosts/[^/?]+%3A${victim.id}$`));
  } finally {
    await labFault(page, { type: 'host-kms-isolation', host: victim.id, on: false });
  }
});
