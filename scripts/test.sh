#!/usr/bin/env bash
# `npm test`: everything CI runs, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f test-reports/vitest.json test-reports/playwright.json

step() { printf '\n== %s ==\n' "$*"; }

step "system packages"
bash scripts/install-system-deps.sh

step "prisma client"
npm run --silent db:generate

step "typecheck"
npx tsc --noEmit -p tsconfig.json

step "lint"
npx eslint --max-warnings=0 .

step "unit and integration tests (vitest, real PostgreSQL / PyKMIP / lab)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-reports/vitest.json

step "build"
npm run --silent build

step "end-to-end tests (Playwright, Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=test-reports/playwright.json npx playwright test --reporter=list,json

npx tsx scripts/test-summary.ts
