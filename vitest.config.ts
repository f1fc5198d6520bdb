import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./', import.meta.url)) } },
  test: {
    include: ['{lib,lab,scripts,app,components,bench}/**/*.test.{ts,tsx}'],
    exclude: ['node_modules/**', '.next/**', '.data/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real servers (PostgreSQL, PyKMIP, the lab) on loopback ports;
    // two cores do not gain from more parallel files than this.
    maxWorkers: 2,
    globalSetup: ['lib/db/testing/global-setup.ts'],
  },
});
