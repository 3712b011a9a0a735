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
# Wall-clock figures suffer when the machine is shared, so CPU time (user +
# system, ffmpeg included) is measured too: cpu_ratio compares the two sides
# independently of load, and core_h/day is the CPU a day of footage costs
# (goal <= 12, i.e. 4x realtime on 2 cores).
#
# Environment:
#   MINUTES=3        footage per comparison run
#   LONG_MINUTES=30  the longer day for RSS (0 skips it)
#   FULL_DAY=1       also RSS over a full day's 8,640 segments, filmed tiny
#                    (64x48, 1 fps) since Go-side memory follows the file count
#   SETTINGS="ultrafast:28: superfast:28: veryfast:28: veryfast:28:nr-inter=400"
#                    preset:crf:x265-params, space separated
#   REPEAT=2         runs of each side, alternating; the fastest counts (the
#                    machine may be shared: load is printed)
#   BENCH_DIR=/tmp/cctvd-archive-bench   footage is kept here and reused; the
#                    script writes only below it
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-3}
LONG_MINUTES=${LONG_MINUTES:-30}
SETTINGS=${SETTINGS:-"ultrafast:28: superfast:28: veryfast:28: veryfast:28:nr-inter=400"}
FULL_DAY=${FULL_DAY:-1}
REPEAT=${REPEAT:-2}
BENCH_DIR=${BENCH_DIR:-/tmp/cctvd-archive-bench}
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
printf "%-10s %-4s %-16s %8s %8s %6s %8s %8s %6s %9s %10s %7s %7s %8s\n" \
	preset crf x265-params cctvd_s ffmpeg_s ratio cctvd_cpu ffmpeg_cpu cpu_ratio realtime core_h/day size% ssim rss_MiB

# cctvd_run PRESET CRF PARAMS: archive a fresh copy of the noisy day; sets
# cctvd_s, cctvd_cpu, rss and out_bytes.
cctvd_run() {
	local root="$BENCH_DIR/root" line
	rm -rf "$root"
	mkdir -p "$root/$DATE"
	cp -p "$NOISY"/*.ts "$root/$DATE/"
	line=$("$BIN" archive -root "$root" -date "$DATE" -preset "$1" -crf "$2" -x265-params "$3")
	cctvd_s=$(sed 's/^seconds=\([0-9.]*\).*/\1/' <<<"$line")
	cctvd_cpu=$(sed 's/.* cpu_seconds=\([0-9.]*\).*/\1/' <<<"$line")
	rss=$(sed 's/.*rss_kib=\([0-9]*\).*/\1/' <<<"$line")
	out_bytes=$(stat -c %s "$root/$DATE/video.mp4")
	(cd "$root/$DATE" && sha512sum -c --quiet video.mp4.sha512sum)
}

# ffmpeg_run PRESET CRF PARAMS: plain concat and encode; sets ffmpeg_s and ffmpeg_cpu.
ffmpeg_run() {
	local x265="log-level=error${3:+:$3}" times TIMEFORMAT='%R %U %S'
	times=$({ time nice -n 10 ffmpeg -hide_banner -nostats -loglevel error -y \
		-f concat -safe 0 -i "$BENCH_DIR/list.txt" \
		-map 0:v:0 -c:v libx265 -preset "$1" -crf "$2" -x265-params "$x265" -pix_fmt yuv420p \
		-tag:v hvc1 -movflags +faststart "$BENCH_DIR/plain.mp4" 2>"$BENCH_DIR/plain.log"; } 2>&1)
	read -r ffmpeg_s user sys <<<"$times"
	ffmpeg_cpu=$(echo "$user + $sys" | bc -l)
}

minimum() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

for setting in $SETTINGS; do
	IFS=: read -r preset crf params <<<"$setting"
	best_cctvd="" best_ffmpeg="" best_cctvd_cpu="" best_ffmpeg_cpu=""
	for _ in $(seq "$REPEAT"); do
		cctvd_run "$preset" "$crf" "$params"
		best_cctvd=$(minimum "$best_cctvd" "$cctvd_s")
		best_cctvd_cpu=$(minimum "$best_cctvd_cpu" "$cctvd_cpu")
		ffmpeg_run "$preset" "$crf" "$params"
		best_ffmpeg=$(minimum "$best_ffmpeg" "$ffmpeg_s")
		best_ffmpeg_cpu=$(minimum "$best_ffmpeg_cpu" "$ffmpeg_cpu")
	done
	printf "%-10s %-4s %-16s %8.1f %8.1f %6.3f %8.1f %8.1f %9.3f %8.2fx %10.1f %6.1f%% %7.4f %8.1f\n" \
		"$preset" "$crf" "${params:--}" "$best_cctvd" "$best_ffmpeg" "$(echo "$best_cctvd / $best_ffmpeg" | bc -l)" \
		"$best_cctvd_cpu" "$best_ffmpeg_cpu" "$(echo "$best_cctvd_cpu / $best_ffmpeg_cpu" | bc -l)" \
		"$(echo "$seconds / $best_cctvd" | bc -l)" "$(echo "24 * $best_cctvd_cpu / $seconds" | bc -l)" \
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
if [ "$FULL_DAY" = 1 ]; then
	TINY="$BENCH_DIR/tiny-day"
	footage "$TINY" $((24 * 60)) -tiny
	root="$BENCH_DIR/root"
	rm -rf "$root"
	mkdir -p "$root/$DATE"
	cp -p "$TINY"/*.ts "$root/$DATE/"
	line=$("$BIN" archive -root "$root" -date "$DATE")
	echo
	echo "# full day, $(ls "$TINY"/*.ts | wc -l) segments (64x48, 1 fps) with the defaults: $line"
	rss=$(sed 's/.*rss_kib=\([0-9]*\).*/\1/' <<<"$line")
	printf "Go-side peak RSS: %.1f MiB (goal < 64 MiB)\n" "$(echo "$rss / 1024" | bc -l)"
fi
rm -rf "$BENCH_DIR/root" "$BENCH_DIR/plain.mp4"
