import { expect, type APIRequestContext, type Page } from '@playwright/test';

/**
 * For every e2e spec: pages other than /login need a signed-in user (signed-out visitors are sent
 * to /login). The admin comes from KEYWATCH_ADMIN_PASSWORD; other roles are created with the
 * bootstrap token by `ensureRoleUser`.
 */
export const E2E_BOOTSTRAP_TOKEN = process.env.KEYWATCH_BOOTSTRAP_TOKEN ?? 'kw_e2e_bootstrap_token_0123456789abcdef';
export const E2E_ADMIN = { username: 'admin', password: process.env.KEYWATCH_ADMIN_PASSWORD ?? 'e2e-admin-password-1' };
export const E2E_ROLE_PASSWORD = 'e2e-role-password-42';

export async function ensureRoleUser(request: APIRequestContext, username: string, role: 'viewer' | 'oncall' | 'manager' | 'admin'): Promise<void> {
  const res = await request.post('/api/v1/users', {
    headers: { authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` },
    data: { username, role, password: E2E_ROLE_PASSWORD },
  });
  expect([201, 409], await res.text()).toContain(res.status());
}

export async function signIn(page: Page, username = E2E_ADMIN.username, password = E2E_ADMIN.password): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText(username);
}
