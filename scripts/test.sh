#!/usr/bin/env bash
# Every test: typecheck, the core and CLIs in Node, the Worker inside workerd, the demo page in
# headless Chromium against `wrangler dev` (skipped without /usr/bin/chromium unless CI=true).
# Ends with one "N passed, N failed" line summed over the runs.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
status=0

echo "== typecheck"
npx tsc --noEmit -p . || status=1
npx tsc --noEmit -p test/worker || status=1

echo "== python (edgespan_ml): ruff and pytest"
bash scripts/python-env.sh || status=1
.venv/bin/ruff check edgespan_ml || status=1
.venv/bin/python -m pytest -q --junitxml="$report/pytest.xml" || status=1

echo "== vitest (core in Node, worker in workerd, e2e in headless Chromium)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report/vitest.json" || status=1

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  try {
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    passed = r.numPassedTests; failed = r.numFailedTests; skipped = r.numPendingTests + (r.numTodoTests || 0);
  } catch { failed += 1; }
  try {
    const xml = fs.readFileSync(process.argv[3], "utf8");
    const attr = (name) => Number((xml.match(new RegExp(`<testsuite[^>]* ${name}="(\\d+)"`)) || [0, 0])[1]);
    const pyFailed = attr("failures") + attr("errors"), pySkipped = attr("skipped");
    passed += attr("tests") - pyFailed - pySkipped; failed += pyFailed; skipped += pySkipped;
  } catch { failed += 1; }
  if (process.argv[2] !== "0" && failed === 0) failed = 1; // typecheck or runner failure
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$report/vitest.json" "$status" "$report/pytest.xml"
exit $status
