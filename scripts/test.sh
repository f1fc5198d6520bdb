#!/usr/bin/env bash
# `npm test`: everything CI runs, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f test-reports/vitest.json test-reports/playwright.json

step() { printf '\n== %s ==\n' "$*"; }

step "system packages"
bash scripts/install-system-deps.sh

step "prisma client"
npx tsx scripts/prisma-generate.ts

step "typecheck"
npx tsc --noEmit -p tsconfig.json

step "lint"
npx eslint --max-warnings=0 .

step "unit and integration tests (vitest, real PostgreSQL / PyKMIP / lab)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-reports/vitest.json

step "build"
npx tsx scripts/build.ts

step "end-to-end tests (Playwright, Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=test-reports/playwright.json npx playwright test --reporter=list,json

npx tsx scripts/test-summary.ts
