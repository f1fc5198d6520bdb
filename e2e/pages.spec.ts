import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './fixtures';
import { signIn } from './auth-helpers';

/**
 * Every main page, in the light and the dark theme (the system setting, emulated): a screenshot of
 * each as a test artifact, and axe on each with no serious or critical violation.
 */
const PAGES = [
  { path: '/', heading: 'Overview' },
  { path: '/alerts', heading: 'Alerts' },
  { path: '/blast-radius', heading: 'Blast radius' },
  { path: '/blast-radius?provider=lab-kms', heading: 'Blast radius' },
  { path: '/history', heading: 'History' },
  { path: '/hosts', heading: 'Hosts' },
  { path: '/clusters', heading: 'Clusters' },
  // A detail page: the lab's first cluster by name, there once the worker's first poll stored it.
  { path: '/clusters/cluster-01', heading: 'cluster-01', afterFirstPoll: true },
  { path: '/key-providers', heading: 'Key providers' },
  { path: '/openstack', heading: 'OpenStack' },
  { path: '/campaigns', heading: 'Campaigns' },
  { path: '/audit', heading: 'Audit' },
  { path: '/settings', heading: 'Settings' },
  { path: '/settings/targets', heading: 'Targets' },
  { path: '/settings/users', heading: 'Users' },
  { path: '/settings/tokens', heading: 'API tokens' },
  { path: '/lab', heading: 'Lab' },
] as const satisfies readonly { path: string; heading: string; afterFirstPoll?: boolean }[];

interface Finding {
  page: string;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

async function seriousViolations(page: Page, label: string): Promise<Finding[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ page: label, rule: v.id, impact: v.impact!, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

async function settle(page: Page): Promise<void> {
  // Queries have answered: nothing is marked busy (tables, cards) and no request is in flight.
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  await page.waitForLoadState('networkidle');
}

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const body = await page.screenshot({ fullPage: true, path: testInfo.outputPath(`${name}.png`) });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}

// One sign-in for all the page visits below (a session cookie in a storage-state file), so that each
// page is a test of its own with its own time budget.
const ADMIN_STATE = path.join(os.tmpdir(), `keywatch-e2e-pages-admin-${process.pid}.json`);

test.beforeAll(async ({ browser }) => {
  // An empty state of its own: the runner hands browser.newPage the options of the first test to run,
  // and when that one is signed in (a -g filter) they name the file this hook has not written yet.
  const page = await browser.newPage({ baseURL: test.info().project.use.baseURL, storageState: { cookies: [], origins: [] } });
  await signIn(page);
  await page.context().storageState({ path: ADMIN_STATE });
  await page.context().close();
});
test.afterAll(() => rmSync(ADMIN_STATE, { force: true }));

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} theme`, () => {
    test.use({ colorScheme });

    test.describe('signed out', () => {
      test.use({ storageState: { cookies: [], origins: [] } });
      test(`/login follows the system theme and has no serious axe violation (${colorScheme})`, async ({ page }, testInfo) => {
        await page.goto('/login');
        await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Keywatch' })).toBeVisible();
        // The theme really follows the system setting: the page background differs between the two.
        const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
        expect(background).toBe(colorScheme === 'dark' ? 'rgb(15, 20, 27)' : 'rgb(245, 246, 248)');
        await page.waitForLoadState('networkidle');
        await screenshot(page, testInfo, `${colorScheme}-login`);
        expect(await seriousViolations(page, '/login')).toEqual([]);
      });
    });

    test.describe('signed in as admin', () => {
      test.use({ storageState: ADMIN_STATE });
      for (const entry of PAGES) {
        const { path: pagePath, heading } = entry;
        test(`${pagePath} renders, is screenshotted and has no serious axe violation (${colorScheme})`, async ({ page }, testInfo) => {
          test.setTimeout(120_000);
          if ('afterFirstPoll' in entry) {
            await expect.poll(async () => (await page.goto(pagePath))?.status(), { timeout: 60_000 }).toBe(200);
          } else {
            const response = await page.goto(pagePath);
            expect(response?.status(), pagePath).toBe(200);
          }
          await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
          if (pagePath === '/') {
            // All is well (database up, worker beating): the shell shows no health banner.
            await expect(page.getByTestId('health-worker')).toHaveText('alive');
            await expect(page.getByTestId('health-banner')).toHaveCount(0);
          }
          await settle(page);
          await screenshot(page, testInfo, `${colorScheme}${pagePath === '/' ? '-overview' : pagePath.replace(/[^\w]+/g, '-')}`);
          const findings = await seriousViolations(page, pagePath);
          expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
        });
      }
    });
  });
}

test('on a phone the navigation folds behind a Menu button, and the page stays reachable by keyboard', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto('/audit');
  const nav = page.getByRole('navigation', { name: 'Main' });
  const menu = nav.getByRole('button', { name: 'Menu' });
  await expect(menu).toBeVisible();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav.getByRole('link', { name: 'Hosts' })).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await screenshot(page, testInfo, 'phone-menu-open');
  await nav.getByRole('link', { name: 'Hosts' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Hosts' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Audit' })).toBeHidden();
  // Nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // On a fresh load the first Tab reaches the skip link, which jumps past the navigation.
  await page.goto('/hosts');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#content')).toBeFocused();
  await screenshot(page, testInfo, 'phone-hosts');
});

test('audit filters live in the URL: a reload and a shared link show the same filtered view', async ({ page }) => {
  await signIn(page);
  await page.goto('/audit');
  await page.getByLabel('Event type').selectOption('auth.');
  await expect(page).toHaveURL(/[?&]action=auth\./);
  await page.getByLabel('Actor').fill('admin');
  await expect(page).toHaveURL(/[?&]actor=admin/);
  const table = page.getByTestId('audit-table');
  await expect(table).toContainText('auth.login');
  await expect(table.locator('tbody tr').filter({ hasNotText: 'auth.' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByLabel('Event type')).toHaveValue('auth.');
  await expect(page.getByLabel('Actor')).toHaveValue('admin');
  await expect(table).toContainText('auth.login');
  await page.getByLabel('Outcome').selectOption('denied');
  await expect(table).toContainText('No matching audit events.');
});
