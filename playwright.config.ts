import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 3100);
// A fresh data directory per run: the suite starts Keywatch the way a user does, from nothing.
// Kept in the environment so the worker processes, which load this file again, make no dirs of their own.
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'keywatch-e2e-'));
const dataDir = process.env.E2E_DATA_DIR;

export default defineConfig({
  testDir: 'e2e',
  // Behaviour is asserted here, not speed (benchmarks measure that): on a loaded 2-core runner a browser
  // start plus a server-rendered page can take 30 s, so a test gets two minutes before it counts as hung.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    // Playwright cannot download its browser here; Debian's Chromium is the one we drive.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'npm start',
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 480_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    env: {
      PORT: String(PORT),
      KEYWATCH_DATA_DIR: dataDir,
      KEYWATCH_EMBEDDED_DB_PORT: String(PORT + 1000),
      KEYWATCH_ADMIN_PASSWORD: 'e2e-admin-password-1',
      KEYWATCH_BOOTSTRAP_TOKEN: 'kw_e2e_bootstrap_token_0123456789abcdef',
      // Journeys wait for alerts to open and resolve: poll at the shortest intervals the worker allows.
      KEYWATCH_POLL_VCENTER_S: '5',
      KEYWATCH_POLL_KMS_S: '2',
    },
  },
});
