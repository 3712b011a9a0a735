#!/usr/bin/env bash
# bench/scrub.sh: how fast cctvd re-hashes archives (cctvctl scrub --all),
# with no rate limit and at each --scrub-rate asked for.
#
# Lays N archives of MIB MiB of random bytes, each with its sha512sum file,
# in a temp root, builds and starts cctvd on it once per rate, and times
# cctvctl scrub --all. A scrub drops the pages it read from the page cache
# (posix_fadvise DONTNEED), so after an untimed first pass every timed pass
# reads the disk, not memory (a VM's host may still cache it: the figure is
# the machine's as it is). Prints MiB/s per rate and the CPU cctvd used,
# and the latency of the index page fetched one request after another
# (curl) meanwhile, against the same without a scrub: a light probe of
# what a scrub costs the web server, not bench/load.sh's 200 players.
#
# Environment: N (4), MIB (128), RATES ("0 20MiB"). Writes only below a
# mktemp folder in /tmp, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-4}
MIB=${MIB:-128}
RATES=${RATES:-"0 20MiB"}
dir=$(mktemp -d /tmp/cctvd-scrub-bench.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT

go build -o "$dir/bin/" ./cmd/cctvd ./cmd/cctvctl
root=$dir/root
for i in $(seq 1 "$N"); do
	d=$root/2026-10-$(printf %02d "$i")
	mkdir -p "$d"
	head -c "$((MIB << 20))" /dev/urandom >"$d/video.mp4"
	(cd "$d" && sha512sum video.mp4 >video.mp4.sha512sum)
done
sync
total=$((N * MIB))
sock=$root/.cctvd/cctvd.sock
ctl() { "$dir/bin/cctvctl" --addr "unix://$sock" "$@"; }

# probe fetches url n times in a row and prints each time in ms.
probe() {
	for _ in $(seq 1 "$2"); do curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_total}\n' "$1"; done |
		awk '{ printf "%.3f\n", $1 * 1000 }'
}
# percentiles prints p50 and p99 of a file of times in ms.
percentiles() {
	sort -n "$1" | awk '{ a[NR] = $1 } END { i = int(NR * 0.99) + 1; if (i > NR) i = NR; printf "p50 %.2f ms, p99 %.2f ms (%d requests)", a[int(NR * 0.5) + 1], a[i], NR }'
}

first=1
for rate in $RATES; do
	"$dir/bin/cctvd" --root "$root" --http 127.0.0.1:0 --log-format json --settle 100000h --scrub-rate "$rate" 2>"$dir/log-$rate" &
	pid=$!
	for _ in $(seq 1 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
	addr=$(grep -m1 '"serving http"' "$dir/log-$rate" | sed 's/.*"addr":"\([^"]*\)".*/\1/')
	if [ "$first" = 1 ]; then
		ctl scrub --all >/dev/null # untimed: drops the freshly written pages
		probe "http://$addr/" 300 >"$dir/lat-idle"
		echo "no scrub: index page $(percentiles "$dir/lat-idle")"
		first=0
	fi
	cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	start=$(date +%s.%N)
	ctl scrub --all >/dev/null &
	scrub=$!
	: >"$dir/lat-$rate"
	while kill -0 "$scrub" 2>/dev/null; do probe "http://$addr/" 20 >>"$dir/lat-$rate"; done
	wait "$scrub"
	end=$(date +%s.%N)
	cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	tck=$(getconf CLK_TCK)
	awk -v t="$total" -v s="$start" -v e="$end" -v c0="$cpu0" -v c1="$cpu1" -v k="$tck" -v r="$rate" \
		'BEGIN { el = e - s; printf "scrub-rate %-7s %5d MiB in %6.2f s: %7.1f MiB/s, cctvd CPU %.2f s (%.0f%% of a core)", r, t, el, t / el, (c1 - c0) / k, 100 * (c1 - c0) / k / el }'
	echo "; index page meanwhile $(percentiles "$dir/lat-$rate")"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
done
