import pg from 'pg';
import { expect, test } from './fixtures';
import { E2E_ADMIN, E2E_BOOTSTRAP_TOKEN, E2E_ROLE_PASSWORD, ensureRoleUser, signIn } from './auth-helpers';
import { totpCode, totpStep } from '../lib/auth/totp';

/**
 * Issue 15 in the browser, against `npm start`: sign-in error codes, the account page (password
 * change, authenticator), signing in with a code, the step-up prompt, and the client address.
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);

/** The embedded database, through its Unix socket in the data directory (only this user can open it). */
async function database<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: process.env.E2E_DATA_DIR, port: PORT + 1000, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

test('the sign-in page shows its own sentence for an error code and nothing from the URL', async ({ page }) => {
  await page.goto('/login?error=Your%20password%20expired.%20Call%20%2B1-555-0100%20now');
  const alert = page.locator('.form-error[role="alert"]');
  await expect(alert).toContainText('Signing in did not complete. Try again.');
  await expect(page.getByText('+1-555-0100')).toHaveCount(0);
  await page.goto('/login?error=sso-no-role');
  await expect(alert).toContainText('not in any group that Keywatch maps to a role');
});

test('a user changes their password, sets up an authenticator, and then signs in with a code', async ({ page, request }) => {
  const username = `e2e-totp-${Date.now().toString(36)}`;
  await ensureRoleUser(request, username, 'oncall');
  await signIn(page, username, E2E_ROLE_PASSWORD);
  await page.goto('/settings/account');
  const password = page.getByTestId('password-change');
  await password.getByLabel('Current password').fill(E2E_ROLE_PASSWORD);
  await password.getByLabel('New password').fill('qwertyuiop123');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(password.getByRole('alert')).toContainText('breaches');
  await password.getByLabel('Current password').fill(E2E_ROLE_PASSWORD);
  await password.getByLabel('New password').fill('amber-falcon-ledger-58');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(password.getByText('Password changed.')).toBeVisible();

  const factor = page.getByTestId('second-factor');
  await factor.getByRole('button', { name: 'Set up an authenticator' }).click();
  const secret = (await factor.getByTestId('totp-secret').textContent())!.trim();
  await factor.getByLabel('Code from the app').fill(totpCode(secret, totpStep() - 1));
  await factor.getByRole('button', { name: 'Turn on' }).click();
  await expect(factor.getByTestId('recovery-codes')).toContainText(/[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}/);
  await factor.getByRole('button', { name: 'I have stored them' }).click();
  await expect(factor.getByTestId('totp-state')).toContainText('On since');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('amber-falcon-ledger-58');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const code = page.getByLabel('Authenticator code');
  await expect(code).toBeVisible();
  await code.fill(totpCode(secret, totpStep()));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText(username);
});

test('an admin whose sign-in is older than 5 minutes confirms the password before creating a token', async ({ page }) => {
  await signIn(page, E2E_ADMIN.username, E2E_ADMIN.password);
  // Age this browser's session as if the admin had signed in ten minutes ago.
  await database((db) => db.query(`UPDATE "Session" s SET "authenticatedAt" = now() - interval '10 minutes' FROM "User" u WHERE u.id = s."userId" AND u.username = 'admin'`));
  await page.goto('/settings/tokens');
  const name = `e2e step-up ${Date.now().toString(36)}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const dialog = page.getByTestId('reauth-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Your password').fill(E2E_ADMIN.password);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('new-token-value')).toContainText('kw_');
  await expect(dialog).toBeHidden();
});

test('the client address is the socket peer, not a forged X-Forwarded-For', async ({ request }) => {
  const forged = await request.post('/api/auth/login', { headers: { 'x-forwarded-for': '203.0.113.77' }, data: { username: 'e2e-nobody', password: 'not-a-password-1' } });
  expect(forged.status()).toBe(401);
  const audit = await request.get('/api/v1/audit?action=auth.login&actor=e2e-nobody', { headers: { authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` } });
  const events = ((await audit.json()) as { events: { ip: string }[] }).events;
  expect(events[0]?.ip).toBe('127.0.0.1');
});

test('the embedded database is not on a TCP port', async () => {
  const net = await import('node:net');
  const result = await new Promise<string>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: PORT + 1000 }, () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
  expect(result).toBe('ECONNREFUSED');
});
