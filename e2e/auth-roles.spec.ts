import { expect, test } from './fixtures';
import { E2E_ADMIN, E2E_ROLE_PASSWORD, ensureRoleUser, signIn } from './auth-helpers';

/**
 * Signs in as each role in a real Chromium against `npm start` (lab mode). The users are
 * created through the API with the bootstrap token, the way an installer's automation would.
 */
const ADMIN_PASSWORD = E2E_ADMIN.password;
const PASSWORD = E2E_ROLE_PASSWORD;
const ROLE_USERS = [
  { username: 'e2e-viewer', role: 'viewer' },
  { username: 'e2e-oncall', role: 'oncall' },
  { username: 'e2e-manager', role: 'manager' },
] as const;

test.beforeAll(async ({ request }) => {
  for (const user of ROLE_USERS) await ensureRoleUser(request, user.username, user.role);
});

for (const { username, role } of ROLE_USERS) {
  test(`signs in as ${role}: the server refuses admin APIs and the UI says so`, async ({ page }) => {
    await signIn(page, username, PASSWORD);
    await expect(page.getByTestId('signed-in-role')).toHaveText(role);
    const users = await page.request.get('/api/v1/users');
    expect(users.status()).toBe(403);
    // A cookie-authenticated mutation with the right CSRF header is still refused by role.
    const csrf = (await page.context().cookies()).find((c) => c.name === 'kw_csrf')!.value;
    const post = await page.request.post('/api/v1/tokens', { headers: { 'x-csrf-token': csrf }, data: { name: 'sneaky', scopes: ['admin'] } });
    expect(post.status()).toBe(403);
    await page.goto('/settings/users');
    await expect(page.getByText('Only administrators can change this.')).toBeVisible();
    const audit = await page.request.get('/api/v1/audit');
    expect(audit.status()).toBe(role === 'manager' ? 200 : 403);
  });
}

test('signs in as admin, creates an API token shown once, uses it, revokes it', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByTestId('signed-in-role')).toHaveText('admin');
  await page.goto('/settings/tokens');
  // Unique per run, so the test can be repeated against the same database.
  const name = `e2e pipeline ${Date.now().toString(36)}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const value = (await page.getByTestId('new-token-value').textContent())!.trim();
  expect(value).toMatch(/^kw_/);
  const used = await page.request.get('/api/v1/audit?action=token.', { headers: { authorization: `Bearer ${value}` } });
  expect(used.status()).toBe(200);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  const row = page.getByTestId(`token-row-${name}`);
  await expect(row).not.toContainText(value);
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  const after = await page.request.get('/api/v1/audit', { headers: { authorization: `Bearer ${value}` } });
  expect(after.status()).toBe(401);
});

test('lab mode offers a clearly labelled read-only demo login', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByText('Lab / demo mode.')).toBeVisible();
  await page.getByRole('button', { name: 'Demo login (read-only viewer)' }).click();
  await expect(page.getByTestId('signed-in-role')).toHaveText('viewer · demo');
  expect((await page.request.get('/api/v1/targets/vcenters')).status()).toBe(403);
});

test('a wrong password is refused; signing out ends the session', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('e2e-viewer');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong username' })).toContainText('Wrong username or password.');
  await signIn(page, 'e2e-viewer', PASSWORD);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  const session = await (await page.request.get('/api/auth/session')).json();
  expect(session.user).toBeNull();
  await page.goto('/alerts');
  await expect(page).toHaveURL(/\/login\?returnTo=%2Falerts/);
});

test('the sign-in gate is on the server: a signed-out page request is a redirect, and the settings gate below it renders nothing', async ({ request }) => {
  const res = await request.get('/settings/users', { maxRedirects: 0 });
  expect(res.status()).toBe(307);
  expect(res.headers()['location']).toBe('/login?returnTo=%2Fsettings%2Fusers');
  expect(await res.text()).not.toContain('Only administrators');
});

test('pages carry the security headers', async ({ request }) => {
  const res = await request.get('/login');
  const csp = res.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(res.headers()['x-content-type-options']).toBe('nosniff');
  expect(res.headers()['referrer-policy']).toBe('no-referrer');
});

test('admin sees lab targets, tests the lab vCenter and KMS with the real clients, and the audit page records it', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto('/settings/targets');
  const vc = page.getByTestId('vcenter-row-lab-vcenter');
  await expect(vc).toBeVisible();
  await vc.getByRole('button', { name: 'Test connection' }).click();
  await expect(vc.getByTestId('test-result')).toContainText('Signed in to', { timeout: 30_000 });
  const kms = page.getByTestId('kms-row-lab-kms');
  await kms.getByRole('button', { name: 'Test connection' }).click();
  await expect(kms.getByTestId('test-result')).toContainText('node(s) answered KMIP', { timeout: 30_000 });
  await page.goto('/audit');
  await page.getByLabel('Event type').selectOption('target.');
  await expect(page.getByTestId('audit-table')).toContainText('target.vcenter.test');
});
