import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { z } from 'zod';
import { signIn } from './auth-helpers';
import { expect, test } from './fixtures';

/**
 * The OpenStack page against npm start's lab cloud (registered as lab-openstack and polled by the
 * worker): Barbican answering, fixed_key removal BLOCKED while volumes are on the all-zero key ID,
 * migration by host; then a migrated volume's Barbican secret is deleted in the lab and the page
 * lists that volume first, as dangling.
 */
const labFile = z.object({
  labUrl: z.string(),
  caFile: z.string(),
  labAdmin: z.object({ username: z.string(), password: z.string() }),
});

async function labCall(method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  const lab = labFile.parse(JSON.parse(readFileSync(path.join(process.env.E2E_DATA_DIR!, 'lab', 'lab-openstack.json'), 'utf8')));
  const dispatcher = new Agent({ connect: { ca: readFileSync(lab.caFile, 'utf8') } });
  try {
    const res = await fetch(`${lab.labUrl}${route}`, {
      method,
      dispatcher,
      headers: { authorization: `Basic ${Buffer.from(`${lab.labAdmin.username}:${lab.labAdmin.password}`).toString('base64')}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as unknown;
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  } finally {
    await dispatcher.close();
  }
}

test('journey: the OpenStack page shows the lab cloud, then a deleted Barbican secret as a dangling key, first', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'OpenStack' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'OpenStack' })).toBeVisible();
  const cloud = page.getByTestId('openstack-cloud-lab-openstack');
  await expect(cloud).toBeVisible();
  await expect(cloud.getByTestId('barbican-api')).toHaveText('ok', { timeout: 60_000 });
  await expect(cloud.getByTestId('fixed-key-verdict-badge')).toHaveText('BLOCKED');
  await expect(cloud.getByTestId('fixed-key-verdict')).toContainText('still use the all-zero key ID');
  await expect(cloud.getByTestId('migration-hosts')).toContainText('cinder-1@lvm');

  const truth = z
    .object({ rows: z.object({ volumes: z.array(z.object({ id: z.string(), name: z.string(), key: z.string(), readableByWatcher: z.boolean().nullable() })) }) })
    .parse(await labCall('GET', '/lab/state?rows=true'));
  const victim = truth.rows.volumes.find((v) => v.key === 'secret-present' && v.readableByWatcher === true)!;
  expect(victim).toBeDefined();
  await labCall('POST', '/lab/faults', { type: 'delete-secret', volume: victim.id });

  const first = cloud.getByTestId('openstack-problems').locator('tbody tr').first();
  await expect(first).toContainText(victim.name, { timeout: 60_000 });
  await expect(first).toContainText('dangling');
  // Keys this user may not read are a permission gap, folded apart with what to grant, not listed as broken.
  const unreadable = truth.rows.volumes.filter((v) => v.readableByWatcher === false).length;
  expect(unreadable).toBeGreaterThan(0);
  await expect(cloud.getByTestId('openstack-problems').getByTestId('problem-cannot-verify')).toHaveCount(0);
  const folded = cloud.getByTestId('unverifiable-keys');
  await expect(folded.locator('summary')).toContainText('cannot verify');
  await folded.locator('summary').click();
  await expect(folded).toContainText('reader role');
  await expect(folded.getByTestId('problem-cannot-verify').first()).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
  await expect(page.getByText(new RegExp(`key of volume ${victim.name}`)).first()).toBeVisible({ timeout: 30_000 });
});
