#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite:
# installs what is needed, type-checks, then runs unit, integration and browser tests.
#
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh

echo "test: type-checking"
npm run --silent typecheck

echo "test: running the suites"
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
# A plain closing line any CI can read, from vitest's own result file.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) { console.error("test: no test ran"); process.exit(1); }
' || status=1
exit "$status"
