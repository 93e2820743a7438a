#!/usr/bin/env bash
# Everything a fresh machine of this kind needs, each step skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v unzip >/dev/null || need_apt+=(unzip)
# actionlint runs shellcheck on the workflows' run: scripts when it is on PATH.
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
# The image (npm run image, packages/image): skopeo reads and pushes its OCI archive; runc runs it
# in the tests as the chart's Pods; dpkg-deb unpacks Debian's packages into it.
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v runc >/dev/null || need_apt+=(runc)
command -v dpkg-deb >/dev/null || need_apt+=(dpkg)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need_apt+=(debian-archive-keyring)
# The CLI's completion scripts are tested in the shells they are for.
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
# The console's browser tests and npm run bench:console drive a headless Chromium (puppeteer-core).
command -v chromium >/dev/null || need_apt+=(chromium)
command -v go >/dev/null || { echo "setup: Go (1.26 or newer) is needed to build the test servers and is not on PATH" >&2; exit 1; }
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: build"
npx turbo run build --output-logs=errors-only
echo "setup: test servers (built from Go modules once, cached in ${KUBEDUMP_TESTENV_CACHE:-$HOME/.cache/kubedump-testenv})"
node packages/testenv/dist/cli.js build
