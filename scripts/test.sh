#!/usr/bin/env bash
# Runs every test, after installing the tools they drive (ffmpeg, GStreamer).
set -euo pipefail
cd "$(dirname "$0")/.."
CCTVD_DEPS=test scripts/deps.sh
go test -count=1 ./... "$@"
