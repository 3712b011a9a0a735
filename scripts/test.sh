#!/usr/bin/env bash
# Runs every test, after installing the tools they drive when missing:
# ffmpeg, GStreamer, systemd-analyze (apt), chromium and playwright-core
# for the browser test (apt, npm ci from the committed lock files).
set -euo pipefail
cd "$(dirname "$0")/.."
CCTVD_DEPS=test scripts/deps.sh
scripts/browser-test.sh --install-only
# -timeout: the archive and field tests run ffmpeg for minutes; on a busy
# 2-core machine go test's default 10 minutes per package is too tight.
go test -count=1 -timeout 30m ./... "$@"
