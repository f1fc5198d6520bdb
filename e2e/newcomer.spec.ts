import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { signIn } from './auth-helpers';

/**
 * The "done when", in Chromium against a fresh `npm start` with its lab: a newcomer signs in,
 * sees all green, breaks the KMS the way the seeds did and reboots a host on the Lab page, watches the
 * overview turn (node down, alert, host BLOCKED), and the blast radius names the hosts that would not
 * come back. Everything is restored at the end.
 */

interface LabHost {
  id: string;
  name: string;
  cluster: string | null;
  diskGroupsMounted: boolean;
}

async function labHosts(page: Page): Promise<LabHost[]> {
  return ((await (await page.request.get('/api/v1/lab/state')).json()) as { hosts: LabHost[] }).hosts;
}

async function applyOnLab(page: Page, cardId: string, button: string, host?: string): Promise<void> {
  await page.goto('/lab');
  const card = page.getByTestId(`lab-fault-${cardId}`);
  if (host) {
    const select = card.getByLabel('Host');
    await expect(select).toBeEnabled();
    await select.selectOption(host);
  }
  await card.getByRole('button', { name: button }).click();
  const dialog = page.getByRole('dialog', { name: `${button}?` });
  if (await dialog.isVisible().catch(() => false)) await dialog.getByRole('button', { name: button }).click();
  const result = page.getByTestId('lab-result');
  await expect(result).toContainText(button, { timeout: 30_000 });
  await expect(result).toContainText(': done');
}

test('journey: newcomer sees all green, breaks the KMS and reboots a host on the Lab page, watches the overview turn, and the blast radius names what would not come back', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);

  // All green: every host READY, every KMS node up, nothing open.
  await page.goto('/');
  const hostCounts = page.getByTestId('host-counts');
  await expect(hostCounts).toContainText(/[1-9]\d* READY/, { timeout: 90_000 });
  await expect(hostCounts).toContainText('0 BLOCKED', { timeout: 90_000 });
  await expect(hostCounts).toContainText('0 unknown');
  const kms = page.getByTestId('provider-lab-kms');
  await expect(kms.getByTestId('provider-status')).toHaveText('up');
  await expect(kms.getByTestId('node-status').filter({ hasText: 'up' })).toHaveCount(3);
  await expect(page.getByTestId('alert-counts')).toContainText('0 critical');
  await expect(page.getByTestId('stale-banner')).toHaveCount(0);

  // The seeds' outage, from the Lab page.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lab' }).click();
  await page.getByRole('button', { name: 'Move KMS node 1 to port 5697' }).click();
  await expect(page.getByTestId('lab-result')).toContainText('Move KMS node 1 to port 5697: done');

  // The overview turns: one node down, the provider degraded, an alert about it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(kms.getByTestId('node-status').filter({ hasText: 'down' })).toHaveCount(1, { timeout: 60_000 });
  await expect(kms.getByTestId('provider-status')).toHaveText('degraded');
  await expect(page.getByTestId('overview-alert-KMS_NODE_DOWN')).toBeVisible({ timeout: 60_000 });

  // A host of the standard-KMS vSAN cluster that cannot reach the KMS, rebooted: it cannot fetch its keys.
  const dependents = (await (await page.request.get('/api/v1/blast-radius')).json()) as { providers: { id: string; clusters: { name: string }[] }[] };
  const cluster = dependents.providers.find((p) => p.id === 'lab-kms')!.clusters[0]!.name;
  const members = (await labHosts(page)).filter((h) => h.cluster === cluster).sort((a, b) => a.name.localeCompare(b.name));
  expect(members.length).toBeGreaterThan(1);
  const victim = members[0]!;
  await applyOnLab(page, 'host-kms-isolation', 'Cut the host off from the KMS', victim.id);
  await applyOnLab(page, 'host-reboot', 'Reboot the host', victim.id);
  await expect.poll(async () => (await labHosts(page)).find((h) => h.id === victim.id)!.diskGroupsMounted, { timeout: 60_000 }).toBe(false);

  // The overview: the host BLOCKED, its unmounted disk groups pinned on top of the alerts.
  await page.goto('/');
  const cell = page.locator(`[data-host="${victim.name}"]`);
  await expect(cell).toHaveAttribute('data-state', 'BLOCKED', { timeout: 60_000 });
  await expect(cell).toHaveAccessibleName(new RegExp(`^${victim.name.replace(/\./g, '\\.')}: BLOCKED — `));
  await expect(page.getByTestId('overview-alert-DISK_GROUP_UNMOUNTED').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('overview-alerts').locator('li').first()).toHaveAttribute('data-testid', 'overview-alert-DISK_GROUP_UNMOUNTED');
  // Its cluster peers are BLOCKED too: rebooting one of them now would lose another vSAN replica.
  await expect(page.locator(`[data-host="${members[1]!.name}"]`)).toHaveAttribute('data-state', 'BLOCKED');
  await cell.click();
  // Host pages are addressed by row id, "<vCenter target id>:<managed object id>".
  await expect(page).toHaveURL(new RegExp(`/hosts/[^/]+%3A${victim.id}$`));

  // Blast radius: if the two nodes still answering went down too, which hosts would not come back?
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Blast radius' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Blast radius' })).toBeVisible();
  const whatIf = page.getByTestId('what-if');
  await expect(whatIf.getByRole('checkbox')).toHaveCount(3);
  // The Keywatch probes read node 1 down by now; the other two are assumed down.
  const answering = whatIf.locator('label.check').filter({ hasText: /^lab-kms / }).filter({ hasNotText: 'down now' });
  await expect(answering).toHaveCount(2);
  for (const label of await answering.all()) await label.getByRole('checkbox').check();
  await whatIf.getByRole('button', { name: 'Show the blast radius' }).click();
  await expect(page).toHaveURL(/nodes=/);
  const outcome = page.getByTestId('what-if-outcome');
  await expect(outcome).toContainText('would not bring back');
  const lost = page.getByTestId('would-not-come-back');
  for (const peer of members.slice(1)) await expect(lost.getByTestId(`lost-${peer.name}`)).toBeVisible();
  await expect(lost.getByTestId(`lost-${members[1]!.name}`)).toContainText(/[0-9a-f-]{8,}/);

  // Put everything back for whoever comes next.
  await page.goto('/lab');
  await page.getByRole('button', { name: 'Restore everything' }).click();
  await expect(page.getByTestId('lab-result')).toContainText('Restore everything: done', { timeout: 60_000 });
});
