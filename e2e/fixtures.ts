import { test as base, expect } from '@playwright/test';

/**
 * Playwright's `test`, plus a check that no page threw: React reports hydration mismatches and
 * other recovered errors through `reportError`, which a passing assertion elsewhere would hide.
 */
export const test = base.extend<{ pageErrors: void }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await use();
      expect(errors, 'errors thrown in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
