#!/usr/bin/env bash
# bench/presets.sh: what a camera-day costs to archive at each x265 preset,
# and how big its archive is: the figures docs/scale.md sizes sites with.
#
# Films once (cached in $BENCH_DIR) MINUTES of bench/archive.sh's scene (noisy
# 720p25 at 2 Mbit/s unless SIZE/BITRATE say otherwise), then encodes it at
# each preset with the archiver's own ffmpeg arguments (internal/encode's
# chunkArgs: libx265, crf, log-level=error, yuv420p, -copyts, -fps_mode
# passthrough, -enc_time_base -1, MPEG-TS out) from the concat demuxer, at
# nice 10 as cctvd runs it, then joins that losslessly into an mp4 as the
# archiver does (-c copy -tag:v hvc1 -movflags +faststart): sizes are the
# mp4's, since MPEG-TS pads every small frame to whole 188-byte packets.
# bench/archive.sh showed the whole pipeline costs what this plain ffmpeg
# costs (CPU ratio 0.81-1.09). Prints per preset:
#   cpu_s        user+system CPU of ffmpeg (all its threads), decoding included
#   core_h/day   24 * cpu_s / footage seconds: core-hours a camera-day costs
#   xRT/core     footage seconds per CPU second (realtime on one core)
#   size%        archive bytes / input bytes
#   GB/day       archive bytes scaled to 86,400 s (10^9 bytes)
#   kbit/s       the archive's mean bit rate: a camera's share of an upload
# CPU time, not wall time, is the figure: the machine may be shared.
#
#   bench/presets.sh                                   # 1 min of 720p25, six presets
#   PRESETS="ultrafast veryfast" SIZE=1920x1080 BITRATE=370k bench/presets.sh
#
# Environment: MINUTES=1, PRESETS="ultrafast superfast veryfast faster fast
# medium", CRF=28, SIZE (WxH, default 1280x720), BITRATE (camera's H.264 rate,
# default 2M), BENCH_DIR=/tmp/cctvd-presets-bench (the script writes only below it).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in go ffmpeg bc; do
	command -v "$tool" >/dev/null || { echo "bench/presets.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

MINUTES=${MINUTES:-1}
PRESETS=${PRESETS:-"ultrafast superfast veryfast faster fast medium"}
CRF=${CRF:-28}
SIZE=${SIZE:-}
BITRATE=${BITRATE:-}
BENCH_DIR=${BENCH_DIR:-/tmp/cctvd-presets-bench}
mkdir -p "$BENCH_DIR"
BIN="$BENCH_DIR/archivebench"
go build -o "$BIN" ./internal/archive/archivebench

FOOTAGE="$BENCH_DIR/noisy-${MINUTES}m-${SIZE:-1280x720}-${BITRATE:-2M}"
if [ ! -f "$FOOTAGE/.done" ]; then
	rm -rf "$FOOTAGE"
	echo "filming $MINUTES min into $FOOTAGE" >&2
	"$BIN" footage -dir "$FOOTAGE" -minutes "$MINUTES" ${SIZE:+-size "$SIZE"} ${BITRATE:+-bitrate "$BITRATE"}
	touch "$FOOTAGE/.done"
fi
for f in "$FOOTAGE"/*.ts; do printf "file '%s'\n" "$f"; done >"$BENCH_DIR/list.txt"
in_bytes=$(cat "$FOOTAGE"/*.ts | wc -c)
seconds=$((MINUTES * 60))
out="$BENCH_DIR/out.ts"
mp4="$BENCH_DIR/out.mp4"

echo "# $MINUTES min of ${SIZE:-1280x720}p25 noisy CCTV scene at ${BITRATE:-2M}, $in_bytes bytes in" \
	"($(echo "$in_bytes * 86400 / $seconds / 10^9" | bc -l | xargs printf %.2f) GB a camera-day), crf $CRF, $(nproc) cores"
printf "load average at start: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %8s %8s %10s %9s %7s %7s %7s\n" preset cpu_s wall_s core_h/day xRT/core size% GB/day kbit/s
for preset in $PRESETS; do
	TIMEFORMAT='%R %U %S'
	times=$({ time nice -n 10 ffmpeg -hide_banner -nostats -loglevel error -y \
		-f concat -safe 0 -i "$BENCH_DIR/list.txt" \
		-map 0:v:0 -an -sn -dn -copyts -fps_mode passthrough -enc_time_base -1 \
		-c:v libx265 -preset "$preset" -crf "$CRF" -x265-params log-level=error -pix_fmt yuv420p \
		-f mpegts "file:$out"; } 2>&1)
	read -r wall user sys <<<"$times"
	cpu=$(echo "$user + $sys" | bc -l)
	ffmpeg -hide_banner -nostats -loglevel error -y -i "file:$out" -map 0:v:0 -c copy \
		-tag:v hvc1 -movflags +faststart "file:$mp4"
	out_bytes=$(stat -c %s "$mp4")
	printf "%-10s %8.1f %8.1f %10.2f %9.2f %6.2f%% %7.3f %7.0f\n" "$preset" "$cpu" "$wall" \
		"$(echo "24 * $cpu / $seconds" | bc -l)" "$(echo "$seconds / $cpu" | bc -l)" \
		"$(echo "100 * $out_bytes / $in_bytes" | bc -l)" \
		"$(echo "$out_bytes * 86400 / $seconds / 10^9" | bc -l)" \
		"$(echo "$out_bytes * 8 / $seconds / 1000" | bc -l)"
done
printf "load average at end: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$out" "$mp4"
