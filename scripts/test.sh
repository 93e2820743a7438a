#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what a fresh machine lacks, builds, runs every test.
#   apt: redis-server, openssl, unzip, shellcheck, skopeo, runc;  npm ci;  turbo build;  Go-built test servers into ~/.cache/kubedump-testenv
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent lint
npm run --silent typecheck
rm -rf test-results
status=0
npx vitest run "$@" || status=$?
node scripts/test-summary.mjs test-results/vitest.json || true
# No Secret value in any log the run wrote or in any Event (the scan runs at the servers' teardown).
node scripts/check-secret-scan.mjs test-results/secret-scan.json || status=1
exit "$status"
