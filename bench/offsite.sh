#!/usr/bin/env bash
# Benchmarks off-site uploads (internal/offsite) against a local versitygw,
# in one run on one file (BenchmarkOffsite); the sides take turns:
#   read   - reading the file, out of the page cache
#   plain  - a plain multipart upload: 16 MiB parts, no checksums, unsigned
#            payload (what `aws s3 cp` does at least)
#   cctvd  - Upload: SHA-256 of every part, checked by the server, composite
#            checksum read back, receipt written
# and prints each side's fastest run in MB/s, the CPU seconds it took in the
# client and in the gateway, and cctvd/plain.
#
# Environment:
#   MB=200      size of the file
#   REPEAT=3    turns of each side; the fastest counts
# Needs versitygw (CCTVD_DEPS=test scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, ${MB:-200} MiB, fastest of ${REPEAT:-3}"
OFFSITE_BENCH_MB="${MB:-200}" OFFSITE_BENCH_REPEAT="${REPEAT:-3}" \
  go test -count=1 -run '^$' -bench '^BenchmarkOffsite$' -benchtime 1x ./internal/offsite |
  awk '/^BenchmarkOffsite/ {
      for (i = 3; i < NF; i += 2) m[$(i+1)] = $i
      printf "%-6s %9s %12s %12s\n", "side", "MB/s", "client cpu", "gateway cpu"
      n = split("read plain cctvd", s, " ")
      for (j = 1; j <= n; j++)
        printf "%-6s %9.1f %11.2fs %11.2fs\n", s[j], m[s[j] "-MB/s"], m[s[j] "-cpu-s"], m[s[j] "-gw-cpu-s"]
      printf "cctvd / plain (speed): %.2f\n", m["cctvd/plain-speed"]
      found = 1
    }
    END { if (!found) { print "no benchmark result"; exit 1 } }'
