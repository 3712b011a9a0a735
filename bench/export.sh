#!/usr/bin/env bash
# Benchmarks an evidence export (internal/export) of a range of segments,
# in one run against:
#   ffmpeg - plain `ffmpeg -f concat -ss A -to B -i list.txt -c copy` of the
#            same range of the same segments (no exact start, no checks)
#   read   - reading the same files (the page cache holds them after the
#            first run, so this is the ceiling of what a stream copy can do)
# and prints cctvd/ffmpeg (goal <= 1.1). The export includes what ffmpeg's
# side does not: SHA-512 of every source and of the clip, an ffprobe check
# of the clip, the manifest.
#
# Environment:
#   MINUTES=60   footage exported
#   CCTV=0       1: 720p25 at 2 Mbit/s (~900 MB an hour; slow to film once)
#   REPEAT=3     runs of each side, alternating; the fastest counts
#   ARCHIVE=1    also from an archive: a copy of the day is archived once with
#                the real archiver (x265 ultrafast; minutes of CPU), then the
#                same range is exported from video.mp4 against plain
#                `ffmpeg -ss A -to B -i video.mp4 -c copy`
#   BENCH_DIR=/tmp/cctvd-export-bench   footage is made once and reused
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-minutes "${MINUTES:-60}" -repeat "${REPEAT:-3}" -dir "${BENCH_DIR:-/tmp/cctvd-export-bench}")
if [ "${CCTV:-0}" = 1 ]; then args+=(-cctv); fi
go build -o "${BENCH_DIR:-/tmp/cctvd-export-bench}/exportbench" ./internal/export/exportbench
"${BENCH_DIR:-/tmp/cctvd-export-bench}/exportbench" "${args[@]}"
if [ "${ARCHIVE:-1}" = 1 ]; then "${BENCH_DIR:-/tmp/cctvd-export-bench}/exportbench" "${args[@]}" -archive; fi
