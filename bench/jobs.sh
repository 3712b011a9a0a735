#!/usr/bin/env bash
# bench/jobs.sh: how fast cctvd archives several cameras' due days at each
# --jobs, how busy that keeps the machine, and how a playlist answers meanwhile.
#
# Films once (cached in $CCTVD_JOBS_DIR, default /tmp/cctvd-bench-jobs) 2
# minutes of noisy 720p25 ~2 Mbit/s CCTV-like footage (bench/archive.sh's
# scene). For each --jobs value (default 1, then 2) it lays a fresh root of 3
# cameras (ROOT/cam01 … cam03) × 2 due days of that footage (copies, with
# fractional-second mtimes), plus a today's day of cam01 that is not due;
# runs the real cctvd with --settle 1s --jobs N (ffmpeg at cctvd's default
# --nice 10) until every due day has video.mp4.sha512sum; and prints:
#   - the time from start-up, × realtime (footage archived per wall second)
#     and camera-days of 24 h archived per hour;
#   - CPU of cctvd and its ffmpeg (share of all cores), the machine's busy
#     share (/proc/stat, sampled each second, other processes included) and
#     the share of seconds both cores were at least 90 % busy;
#   - p50/p99/max latency of today's playlist asked by 4 players 20 times a
#     second each while archiving, and for 5 s once idle after.
#
#   bench/jobs.sh                                  # 3 cameras × 2 days × 2 min, --jobs 1 then 2
#   bench/jobs.sh -jobs 1,2,3 -cameras 4 -minutes 3
#   go run ./bench/cameras jobs -h                 # every flag
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in go ffmpeg ffprobe; do
	command -v "$tool" >/dev/null || { echo "bench/jobs.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
exec go run ./bench/cameras jobs "$@"
