#!/usr/bin/env bash
# Runs cctvd on a demo footage root that it fills itself with generated footage.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
root="${CCTVD_DEMO_ROOT:-${TMPDIR:-/tmp}/cctvd-demo}"
exec go run ./cmd/cctvd --demo --root "$root" "$@"
