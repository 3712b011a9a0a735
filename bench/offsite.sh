#!/usr/bin/env bash
# Benchmarks off-site uploads (internal/offsite) against a local versitygw,
# in one run on one file (BenchmarkOffsite):
#   read             - reading the file, out of the page cache
#   plain-multipart  - a plain multipart upload: 16 MiB parts, no checksums,
#                      unsigned payload (what `aws s3 cp` does at least)
#   cctvd-upload     - Upload: SHA-256 of every part, checked by the server,
#                      composite checksum read back, receipt written
# and prints MB/s and cctvd-upload / plain-multipart.
#
# Environment:
#   MB=200      size of the file
#   REPEAT=3    runs of each side (go test -count); the fastest counts
# Needs versitygw (CCTVD_DEPS=test scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
OFFSITE_BENCH_MB="${MB:-200}" go test -count="${REPEAT:-3}" -run '^$' -bench '^BenchmarkOffsite$' -benchtime 1x ./internal/offsite |
  awk '/^BenchmarkOffsite\// {
      split($1, a, "/"); side = a[2]; sub(/-[0-9]+$/, "", side)
      for (i = 1; i < NF; i++) if ($(i+1) == "MB/s" && $i + 0 > best[side]) best[side] = $i + 0
    }
    END {
      printf "%-16s %10s\n", "side", "MB/s (best)"
      n = split("read plain-multipart cctvd-upload", order, " ")
      for (i = 1; i <= n; i++) printf "%-16s %10.1f\n", order[i], best[order[i]]
      if (best["plain-multipart"] > 0) printf "cctvd-upload / plain-multipart: %.2f (speed)\n", best["cctvd-upload"] / best["plain-multipart"]
      if (best["read"] > 0) printf "cctvd-upload / read: %.3f (speed)\n", best["cctvd-upload"] / best["read"]
    }'
