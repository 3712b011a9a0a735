#!/usr/bin/env bash
# bench/load.sh: 200 HLS players against cctvd while it archives a day.
#
# Films once (cached in $CCTVD_LOAD_DIR, default /tmp/cctvd-load; about 1-2
# minutes on 2 cores) 180 real 10-second segments of 640x360 footage, ~1.5 MB
# each. Each run lays a fresh root of hard links to them: three closed days,
# today (a camera renames a new segment in once a segment duration), an
# archived day and an old day; builds and starts cctvd on it, makes it archive
# the old day (ffmpeg, x265, as in production) and waits until the encoder
# runs; then for DURATION the players play: live playlists (direct, by the
# ?live=1 redirect, from yesterday on, today's EVENT playlist) reloaded once a
# segment duration, closed days and the day being archived walked from a
# random point (3 segments at once, then one a segment duration), the archived
# day's redirect to video.mp4 read in ranges; Accept-Encoding: gzip, full
# bodies, every redirect followed and timed. Players play at SPEED times real
# time: the default 1 is 200 real-time viewers, as the issue asks; SPEED=10
# is a segment a second each (the request rate of ~2,000 real-time viewers);
# SPEED=0 lets them loose.
#
# Prints requests/s, MB/s, p50/p99/p99.9/max latency of playlists, segments,
# the index and mp4 ranges, errors by kind, whether the archive ran
# throughout the window, and the CPU cctvd, its ffmpeg, the players and the
# rest of the machine used. Goal: 0 errors (else exit 1), p99 playlist < 50 ms
# on 2 cores (reported only: the machine may be shared).
# Takes DURATION + ~10 s of setup once the footage is cached.
#
# EXPORTS=N (-exports N) also runs N evidence exports at a time, back to back,
# through the window, as the page's download button fetches them: GET
# /export.mp4 of -export-range (1h) from the start of one more day that holds
# all the cached footage (-segments x 10 s: 30 min by default). It prints how
# many finished, their size and times (min, p50, max), those cut short by the
# window's end, 429s and errors (errors fail the run); the playlist goal stays
# the same while they run. Off by default.
#
# Environment: DURATION (60s), CLIENTS (200), SPEED (1), EXPORTS (0), CCTVD_LOAD_DIR.
# Further flags go to the program: bench/load.sh -keep; go run ./bench/load -h.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in go ffmpeg ffprobe; do
	command -v "$tool" >/dev/null || { echo "bench/load.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

exec go run ./bench/load -duration "${DURATION:-60s}" -clients "${CLIENTS:-200}" -speed "${SPEED:-1}" -exports "${EXPORTS:-0}" "$@"
