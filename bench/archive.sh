#!/usr/bin/env bash
# Benchmarks cctvd's archive pipeline on CCTV-like 720p25 footage.
#
# For each encoder setting it archives the same noisy day twice, in one run:
#   cctvd   - the real pipeline: plan, chunked encode of the concat writer's
#             stream, lossless join, verify, SHA-512, commit (internal/archive)
#   ffmpeg  - plain `ffmpeg -f concat -safe 0 -i list.txt` with identical
#             encoder settings, also at nice 10
# and prints the time ratio (goal <= 1.02), the realtime factor (goal >= 4x
# on 2 cores), the output size as % of the input (goal <= 10 %), SSIM against
# the noise-free render of the same scene (goal >= 0.95) and the archiver's
# peak Go-side RSS. Then it measures RSS over a longer day (goal < 64 MiB).
#
# Environment:
#   MINUTES=3        footage per comparison run
#   LONG_MINUTES=30  the longer day for RSS (0 skips it)
#   SETTINGS="ultrafast:28: superfast:28: veryfast:28: veryfast:28:nr-inter=400"
#                    preset:crf:x265-params, space separated
#   REPEAT=2         runs of each side, alternating; the fastest counts (the
#                    machine may be shared: load is printed)
#   BENCH_DIR=/tmp/cctvd-bench   footage is kept here and reused
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-3}
LONG_MINUTES=${LONG_MINUTES:-30}
SETTINGS=${SETTINGS:-"ultrafast:28: superfast:28: veryfast:28: veryfast:28:nr-inter=400"}
REPEAT=${REPEAT:-2}
BENCH_DIR=${BENCH_DIR:-/tmp/cctvd-bench}
DATE=2026-11-20
mkdir -p "$BENCH_DIR"
BIN="$BENCH_DIR/archivebench"
go build -o "$BIN" ./internal/archive/archivebench

# footage DIR MINUTES [-clean]: film once, reuse afterwards.
footage() {
	local dir=$1 minutes=$2
	shift 2
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		echo "filming $minutes min into $dir $*" >&2
		"$BIN" footage -dir "$dir" -minutes "$minutes" "$@"
		touch "$dir/.done"
	fi
}

# concat_list DIR: the concat demuxer's list of DIR's segments, in order.
concat_list() {
	for f in "$1"/*.ts; do printf "file '%s'\n" "$f"; done
}

now() { date +%s.%N; }

# ssim INPUT-ARGS...: SSIM of the input against the clean render, both started at 0.
ssim() {
	ffmpeg -hide_banner -nostats "$@" -f concat -safe 0 -i "$BENCH_DIR/ref.txt" \
		-lavfi "[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS[b];[a][b]ssim" -f null - 2>&1 |
		sed -n 's/.*SSIM.* All:\([0-9.]*\).*/\1/p' | tail -1
}

NOISY="$BENCH_DIR/noisy-$MINUTES"
CLEAN="$BENCH_DIR/clean-$MINUTES"
footage "$NOISY" "$MINUTES"
footage "$CLEAN" "$MINUTES" -clean
concat_list "$NOISY" >"$BENCH_DIR/list.txt"
concat_list "$CLEAN" >"$BENCH_DIR/ref.txt"
in_bytes=$(cat "$NOISY"/*.ts | wc -c)
seconds=$((MINUTES * 60))

echo
echo "# $MINUTES min of 720p25 CCTV footage, $((in_bytes / 1024 / 1024)) MiB in, $(nproc) cores"
printf "source (noisy input) SSIM vs clean render: %s\n" "$(ssim -f concat -safe 0 -i "$BENCH_DIR/list.txt")"
printf "load average at start: %s\n\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %-4s %-16s %8s %8s %6s %9s %7s %7s %8s\n" \
	preset crf x265-params cctvd_s ffmpeg_s ratio realtime size% ssim rss_MiB
# cctvd_run PRESET CRF PARAMS: archive a fresh copy of the noisy day; sets
# cctvd_s, rss and out_bytes.
cctvd_run() {
	local root="$BENCH_DIR/root" line
	rm -rf "$root"
	mkdir -p "$root/$DATE"
	cp -p "$NOISY"/*.ts "$root/$DATE/"
	line=$("$BIN" archive -root "$root" -date "$DATE" -preset "$1" -crf "$2" -x265-params "$3")
	cctvd_s=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$line")
	rss=$(sed 's/.*rss_kib=\([0-9]*\).*/\1/' <<<"$line")
	out_bytes=$(stat -c %s "$root/$DATE/video.mp4")
	(cd "$root/$DATE" && sha512sum -c --quiet video.mp4.sha512sum)
}

# ffmpeg_run PRESET CRF PARAMS: plain concat and encode; sets ffmpeg_s.
ffmpeg_run() {
	local t0 x265="log-level=error${3:+:$3}"
	t0=$(now)
	nice -n 10 ffmpeg -hide_banner -nostats -loglevel error -y -f concat -safe 0 -i "$BENCH_DIR/list.txt" \
		-map 0:v:0 -c:v libx265 -preset "$1" -crf "$2" -x265-params "$x265" -pix_fmt yuv420p \
		-tag:v hvc1 -movflags +faststart "$BENCH_DIR/plain.mp4"
	ffmpeg_s=$(echo "$(now) - $t0" | bc -l)
}

minimum() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

for setting in $SETTINGS; do
	IFS=: read -r preset crf params <<<"$setting"
	best_cctvd="" best_ffmpeg=""
	for _ in $(seq "$REPEAT"); do
		cctvd_run "$preset" "$crf" "$params"
		best_cctvd=$(minimum "$best_cctvd" "$cctvd_s")
		ffmpeg_run "$preset" "$crf" "$params"
		best_ffmpeg=$(minimum "$best_ffmpeg" "$ffmpeg_s")
	done
	printf "%-10s %-4s %-16s %8.1f %8.1f %6.3f %8.2fx %6.1f%% %7s %8.1f\n" \
		"$preset" "$crf" "${params:--}" "$best_cctvd" "$best_ffmpeg" \
		"$(echo "$best_cctvd / $best_ffmpeg" | bc -l)" "$(echo "$seconds / $best_cctvd" | bc -l)" \
		"$(echo "100 * $out_bytes / $in_bytes" | bc -l)" "$(ssim -i "$BENCH_DIR/root/$DATE/video.mp4")" \
		"$(echo "$rss / 1024" | bc -l)"
done
printf "load average at end: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$LONG_MINUTES" -gt 0 ]; then
	LONG="$BENCH_DIR/noisy-$LONG_MINUTES"
	footage "$LONG" "$LONG_MINUTES"
	root="$BENCH_DIR/root"
	rm -rf "$root"
	mkdir -p "$root/$DATE"
	cp -p "$LONG"/*.ts "$root/$DATE/"
	line=$("$BIN" archive -root "$root" -date "$DATE")
	echo
	echo "# $LONG_MINUTES min day with the defaults: $line"
	rss=$(sed 's/.*rss_kib=\([0-9]*\).*/\1/' <<<"$line")
	printf "Go-side peak RSS: %.1f MiB (goal < 64 MiB)\n" "$(echo "$rss / 1024" | bc -l)"
fi
rm -rf "$BENCH_DIR/root" "$BENCH_DIR/plain.mp4"
