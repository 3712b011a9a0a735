#!/usr/bin/env bash
# bench/http.sh: cctvd against nginx, serving the same full-day playlist.
#
# Makes once (cached in $CCTVD_BENCH_DIR, default /tmp/cctvd-bench) a root
# holding a full day of 8,640 real segments; starts cctvd on it and nginx on
# loopback serving cctvd's playlist of that day as a static file with gzip
# on; runs wrk against both in turn, with Accept-Encoding: gzip as players
# send it; prints requests/s, their ratio and the p99 latency.
# Goal: cctvd >= 0.5x nginx's requests/s, p99 < 10 ms.
#
# Environment: DURATION (10s), CONNS (32), THREADS (2), CCTVD_BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DATE=2026-11-22
cache=${CCTVD_BENCH_DIR:-/tmp/cctvd-bench}
root=$cache/root

for tool in go wrk nginx ffmpeg curl; do
	command -v "$tool" >/dev/null || { echo "bench/http.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/cctvd-http-bench.XXXXXX)
chmod 755 "$work" # nginx's workers run as nobody
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/httpserve" ./bench/httpserve
go build -o "$work/cctvd" ./cmd/cctvd

if [ ! -d "$root/$DATE" ] || [ "$(find "$root/$DATE" -name '*.ts' | wc -l)" -ne 8640 ]; then
	echo "making a full day of footage in $root/$DATE (once) …"
	rm -rf "${root:?}/$DATE"
	"$work/httpserve" -make-day "$root/$DATE"
fi

cport=$("$work/httpserve" -free-port)
server=cctvd
# --settle: the bench day must not be archived (and its segments removed) under the benchmark.
"$work/cctvd" --root "$root" --http "127.0.0.1:$cport" --state "$work/state" --settle 1000000h 2>"$work/cctvd.log" &
pids+=($!)
curl_url="http://127.0.0.1:$cport/playlist.m3u8?date=$DATE"

# Wait until the catalog has scanned the whole day.
for _ in $(seq 600); do
	n=$(curl -sf "$curl_url" 2>/dev/null | grep -c "^$DATE/" || true)
	[ "$n" = 8640 ] && break
	sleep 0.1
done
[ "$n" = 8640 ] || { echo "cctvd did not list the day: $n segments" >&2; cat "$work/cctvd.log" >&2; exit 1; }

mkdir -p "$work/www" "$work/nginx-tmp"
curl -sf "$curl_url" >"$work/www/playlist.m3u8"
chmod -R a+rX "$work/www"
nport=$("$work/httpserve" -free-port)
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx-tmp/body;
	proxy_temp_path $work/nginx-tmp/proxy;
	fastcgi_temp_path $work/nginx-tmp/fastcgi;
	uwsgi_temp_path $work/nginx-tmp/uwsgi;
	scgi_temp_path $work/nginx-tmp/scgi;
	types { application/vnd.apple.mpegurl m3u8; }
	gzip on;
	gzip_types application/vnd.apple.mpegurl;
	server {
		listen 127.0.0.1:$nport;
		root $work/www;
	}
}
EOF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
nginx_url="http://127.0.0.1:$nport/playlist.m3u8"
for _ in $(seq 100); do curl -sf -o /dev/null "$nginx_url" && break; sleep 0.1; done

# Both must serve the same playlist, gzipped.
a=$(curl -sf -H 'Accept-Encoding: gzip' "$curl_url" | gunzip | sha256sum)
b=$(curl -sf -H 'Accept-Encoding: gzip' "$nginx_url" | gunzip | sha256sum)
[ "$a" = "$b" ] || { echo "cctvd and nginx serve different playlists" >&2; exit 1; }
bytes=$(wc -c <"$work/www/playlist.m3u8")
gz=$(curl -sf -H 'Accept-Encoding: gzip' "$curl_url" | wc -c)

bench() { # url → wrk output
	wrk -t"$THREADS" -c"$CONNS" -d2s -H 'Accept-Encoding: gzip' "$1" >/dev/null # warm up
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$1"
}
rps() { awk '/^Requests\/sec:/ {print $2}'; }
p99ms() { # wrk writes 850.00us, 3.21ms or 1.02s
	awk '$1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.2f", v * f}'
}

echo "playlist: $DATE, 8640 segments, $bytes bytes ($gz gzipped); wrk -t$THREADS -c$CONNS -d$DURATION on $(nproc) cores"
cout=$(bench "$curl_url")
nout=$(bench "$nginx_url")
c_rps=$(rps <<<"$cout") c_p99=$(p99ms <<<"$cout")
n_rps=$(rps <<<"$nout") n_p99=$(p99ms <<<"$nout")
for o in "$cout" "$nout"; do
	if grep -q "Non-2xx" <<<"$o"; then echo "errors during the run:" >&2; echo "$o" >&2; exit 1; fi
done
printf '%-26s %12s %10s\n' "" "requests/s" "p99 ms"
printf '%-26s %12s %10s\n' "$server" "$c_rps" "$c_p99" "nginx $(nginx -v 2>&1 | sed 's|.*/||')" "$n_rps" "$n_p99"
awk -v c="$c_rps" -v n="$n_rps" -v p="$c_p99" 'BEGIN {
	r = c / n
	printf "ratio cctvd/nginx: %.2f (goal >= 0.5: %s); cctvd p99 %.2f ms (goal < 10 ms: %s)\n",
		r, (r >= 0.5) ? "met" : "MISSED", p, (p < 10) ? "met" : "MISSED"
}'
