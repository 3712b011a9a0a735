#!/usr/bin/env bash
# bench/cameras.sh: cctvd with 16 cameras under one root, a full day each.
#
# Films once (cached in $CCTVD_CAMERAS_DIR, default /tmp/cctvd-bench-cameras;
# about a minute) a full day of 8,640 real 10-second segments (64x48 at 1 fps:
# real MPEG-TS, a real day's file count, small enough to copy 16 times), then
# lays the root once: ROOT/cam01/DATE … ROOT/cam16/DATE, each segment a copy
# (its own mtime: every 10 s, a per-camera offset and up to ±0.4 s of jitter,
# with nanoseconds, as uploads land; ~3.6 GB, 138,240 files). Builds cctvd and
# measures, on this root:
#   - start-up cold (no state folder: every segment is read and scanned) and
#     with the scan cache (the second start): until /healthz answers, until
#     every camera's catalog is loaded, until every segment is scanned and in
#     the playlists (cctvd_segments_stored reaches 16 × 8,640), cctvd's CPU
#     and RSS then;
#   - the overview (/) and one camera's page: size gzipped and plain, the
#     first request and the median of the next 20;
#   - that camera's day playlist: requests/s, p50/p99 from 32 connections
#     for 10 s (gzip; a Go client on the same machine, so a lower bound).
# Each start waits for cctvd to go idle (thumbnails) before the next step.
# The page cache is not dropped: "cold" means no scan cache, not a cold disk.
# Prints markdown tables (README's performance section).
#
#   bench/cameras.sh                          # 16 cameras × a full day
#   bench/cameras.sh -cameras 4 -segments 720 # smaller: 4 cameras × 2 h
#   bench/cameras.sh -fps 25                  # 25 frames a segment-second: the scan's real per-frame cost
#   go run ./bench/cameras -h                 # every flag
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in go ffmpeg; do
	command -v "$tool" >/dev/null || { echo "bench/cameras.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
exec go run ./bench/cameras "$@"
