#!/usr/bin/env bash
# Runs the browser tests: internal/web's TestBrowser plays footage through the
# index page in Debian's chromium, driven by playwright-core (e2e/browser);
# internal/access's logs in, plays, logs out and is refused (login.mjs).
#
# It installs what the test needs when missing: chromium and ffmpeg from apt,
# the npm packages pinned in e2e/browser/package-lock.json (npm ci). It also
# checks that the hls.js embedded in internal/web/assets is, byte for byte,
# the one pinned in web/package-lock.json (to update it: change the version
# in web/package.json, npm install, npm run vendor, all in web/).
#
#   scripts/browser-test.sh                  install, check, run the test
#   scripts/browser-test.sh --install-only   install and check (CI, before scripts/test.sh)
#   scripts/browser-test.sh -count=3         more go test flags
#
# Needs node 20 or later (playwright-core's engines), which Debian 12's
# nodejs package is not: install it from NodeSource or nodejs.org.
set -euo pipefail
cd "$(dirname "$0")/.."

install_only=false
if [ "${1:-}" = --install-only ]; then
  install_only=true
  shift
fi

need=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "browser-test: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser-test: node 20+ and npm are needed (not found)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "browser-test: node $(node --version) is too old: playwright-core needs node 20 or later" >&2
  exit 1
fi

npm ci --prefix e2e/browser --no-audit --no-fund --loglevel=error >/dev/null
npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
for f in dist/hls.light.min.js:hls.light.min.js LICENSE:hls.js.LICENSE; do
  if ! cmp -s "web/node_modules/hls.js/${f%%:*}" "internal/web/assets/${f##*:}"; then
    echo "browser-test: internal/web/assets/${f##*:} is not the pinned hls.js's ${f%%:*}: run npm run vendor in web/" >&2
    exit 1
  fi
done

if $install_only; then
  echo "browser-test: chromium $("${CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | awk '{print $2}'), playwright-core and hls.js ready" >&2
  exit 0
fi
start=$(date +%s)
go test -count=1 -run '^TestBrowser$' -v ./internal/web/ ./internal/access/ "$@" | grep -v 'helpers_test.go:[0-9]*: time='
echo "browser-test: ok in $(( $(date +%s) - start )) s" >&2
