#!/usr/bin/env bash
# Checks cctvd's .deb packages as CI does (.ci/run calls it after the tests):
#  1. scripts/package.sh builds the three packages, twice, byte-identical;
#     the binaries are static, -trimpath, armhf GOARM=6;
#  2. lintian is clean on them (contrib/deb/lintian-overrides argues each
#     exception);
#  3. the amd64 package installs with apt-get (Depends satisfied): the cctvd
#     user, the footage root (cctvd:cctvd 0750), the conffile, the stamped
#     version; cctvd --check-config passes on the installed config as the
#     cctvd user; systemd-analyze verify passes on the installed unit; a
#     reinstall keeps an operator's mode on the root; remove and purge leave
#     a day of footage in the root byte-identical;
#  4. the arm64 and armhf binaries run under qemu-user-static against a small
#     root: /healthz, a day's playlist and segment, cctvctl status over the
#     unix socket (cctvctl under qemu too).
# It needs root (apt-get, dpkg) on Debian, installs its tools when missing
# (scripts/deps.sh), and refuses to run where cctvd is installed or
# /var/lib/cctvd exists: it installs and purges the package itself. It
# works in one temp folder and removes it, the package, the footage root and
# the cctvd user it made, also when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"

root_dir=/var/lib/cctvd # the package's footage root
start=$SECONDS
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
step() { echo "package-check: $* ($((SECONDS - start)) s)"; }
trap 'fail "line $LINENO: $BASH_COMMAND exited $?"' ERR

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and purges the cctvd package"
if dpkg-query -W -f='${db:Status-Status}' cctvd 2>/dev/null | grep -qv '^not-installed$'; then
  fail "the cctvd package is on this machine ($(dpkg-query -W -f='${db:Status-Status}' cctvd)); this check installs and purges it: remove it first"
fi
[ ! -e "$root_dir" ] || fail "$root_dir exists: it may hold footage, and this check makes and removes it"
made_user=yes
! id cctvd >/dev/null 2>&1 || made_user=no

CCTVD_DEPS=package ./scripts/deps.sh

# A day of two 10-second segments made by ffmpeg, the day before yesterday so
# that it is closed but not yet due for archiving (48 h after its end).
day=$(date -d '2 days ago' +%F)
work=$(mktemp -d "${TMPDIR:-/tmp}/cctvd-package-check.XXXXXX")
chmod 0755 "$work" # apt's _apt user reads the .deb from here
pids=()
installed=no
cleanup() {
  local rc=$?
  trap - ERR
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  if [ "$installed" = yes ]; then
    dpkg --purge cctvd >/dev/null || echo "package-check: cleanup: dpkg --purge cctvd failed" >&2
  fi
  # Only what this check put in the footage root; rmdir, not rm -r: anything
  # else there is not this check's to delete.
  if [ -d "$root_dir" ]; then
    rm -f "$root_dir/$day/seg1.ts" "$root_dir/$day/seg2.ts"
    rmdir "$root_dir/$day" 2>/dev/null
    rmdir "$root_dir" || echo "package-check: cleanup: $root_dir is not empty, left as it is" >&2
  fi
  if [ "$made_user" = yes ] && id cctvd >/dev/null 2>&1; then
    deluser --system --quiet cctvd >/dev/null 2>&1 || echo "package-check: cleanup: deluser cctvd failed" >&2
    ! getent group cctvd >/dev/null || delgroup --system --quiet cctvd >/dev/null 2>&1
  fi
  rm -rf "$work"
  [ "$rc" -eq 0 ] && echo "package-check: ok ($((SECONDS - start)) s)"
  exit "$rc"
}
trap cleanup EXIT

# One camera run cut in two, as a camera does; the mtimes (each segment's
# end) have fractions of a second, as a camera's do.
footage=$work/footage/$day
mkdir -p "$footage"
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=320x240:rate=25" -t 20 \
  -c:v libx264 -preset ultrafast -g 50 -f segment -segment_time 10 -segment_start_number 1 \
  "$footage/seg%d.ts"
for i in 1 2; do touch -d "$day 12:00:$((i * 10)).153192286" "$footage/seg$i.ts"; done

# 1. Build, twice.
t=$SECONDS
./scripts/package.sh "$work/dist" >/dev/null
build_time=$((SECONDS - t))
./scripts/package.sh "$work/dist2" >/dev/null
step "built the packages in ${build_time} s, then again"
version=$(cd "$work/dist" && ls cctvd_*_amd64.deb | sed 's/^cctvd_\(.*\)_amd64\.deb$/\1/')
for arch in arm64 armhf amd64; do
  deb=$work/dist/cctvd_${version}_$arch.deb
  [ -f "$deb" ] || fail "no $deb"
  cmp -s "$deb" "$work/dist2/${deb##*/}" || fail "two builds of $arch differ: not reproducible"
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "$deb: Architecture $(dpkg-deb -f "$deb" Architecture)"
  [[ $(dpkg-deb -f "$deb" Depends) == *ffmpeg* ]] || fail "$deb: no ffmpeg in Depends"
  mkdir "$work/$arch"
  dpkg-deb -x "$deb" "$work/$arch"
  for b in cctvd cctvctl; do
    info=$(go version -m "$work/$arch/usr/bin/$b")
    for want in CGO_ENABLED=0 -trimpath=true; do
      grep -q -- "$want" <<<"$info" || fail "$arch $b: not built with $want"
    done
  done
  echo "  $(sha256sum "$deb" | cut -c1-16)…  $(stat -c %s "$deb") bytes  ${deb##*/}"
done
grep -q 'GOARM=6' <<<"$(go version -m "$work/armhf/usr/bin/cctvd")" || fail "armhf cctvd: not GOARM=6"

# 2. Lintian.
lint=$(lintian --fail-on error,warning "$work/dist/"*.deb 2>&1) ||
  fail "lintian: $(grep -v 'running with root privileges' <<<"$lint")"
step "lintian clean"

# 3. Install the amd64 package, as a user would.
installed=yes # from here on, cleanup purges: also a half-done install
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$work/dist/cctvd_${version}_amd64.deb" >"$work/apt.log" 2>&1 ||
  fail "apt-get install of the amd64 package failed: $(cat "$work/apt.log")"
[ "$(dpkg-query -W -f='${db:Status-Status}' cctvd)" = installed ] || fail "cctvd is not installed after apt-get install"
id cctvd >/dev/null || fail "postinst made no cctvd user"
[ "$(stat -c '%U:%G %a' "$root_dir")" = "cctvd:cctvd 750" ] ||
  fail "footage root $root_dir is $(stat -c '%U:%G %a' "$root_dir"), want cctvd:cctvd 750"
dpkg-query -W -f='${Conffiles}' cctvd | grep -q '^ /etc/cctvd/cctvd.toml ' || fail "/etc/cctvd/cctvd.toml is not a conffile"
got=$(cctvd --version)
[[ $got == "cctvd $version ("* ]] || fail "cctvd --version printed \"$got\", want cctvd $version (…)"
got=$(cctvctl version)
[[ $got == "cctvctl $version ("* ]] || fail "cctvctl version printed \"$got\", want cctvctl $version (…)"
runuser -u cctvd -- cctvd --config /etc/cctvd/cctvd.toml --check-config >"$work/check.txt" ||
  fail "cctvd --check-config refused the installed config"
sed 's/^/  /' "$work/check.txt"
grep -q "^root    $root_dir: a folder$" "$work/check.txt" || fail "--check-config did not check the root $root_dir"
out=$(systemd-analyze verify /lib/systemd/system/cctvd.service 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
step "installed; cctvd $version; config and unit check"

# An operator's mode on the root survives a reinstall (postinst runs again).
chmod 2770 "$root_dir"
dpkg -i "$work/dist/cctvd_${version}_amd64.deb" >/dev/null
[ "$(stat -c %a "$root_dir")" = 2770 ] || fail "a reinstall changed the root's mode 2770 to $(stat -c %a "$root_dir")"
chmod 0750 "$root_dir"

# Footage in the root survives remove and purge, byte for byte, with its
# owner, mode and mtime.
install -d -o cctvd -g cctvd -m 0750 "$root_dir/$day"
cp -p "$footage"/seg*.ts "$root_dir/$day/"
chown cctvd:cctvd "$root_dir/$day"/seg*.ts
snapshot() { (cd "$root_dir" && find . -printf '%p %U:%G %m %s %T@\n' | sort && sha256sum "$day"/*); }
before=$(snapshot)
apt-get remove -y -qq cctvd >"$work/apt.log" 2>&1 || fail "apt-get remove failed: $(cat "$work/apt.log")"
[ "$(snapshot)" = "$before" ] || fail "apt-get remove changed the footage root: $(diff <(echo "$before") <(snapshot))"
[ ! -e /usr/bin/cctvd ] || fail "apt-get remove left /usr/bin/cctvd"
[ -e /etc/cctvd/cctvd.toml ] || fail "apt-get remove took the conffile (only purge should)"
apt-get purge -y -qq cctvd >"$work/apt.log" 2>&1 || fail "apt-get purge failed: $(cat "$work/apt.log")"
installed=no
[ "$(snapshot)" = "$before" ] || fail "apt-get purge changed the footage root: $(diff <(echo "$before") <(snapshot))"
id cctvd >/dev/null || fail "purge removed the cctvd user, which owns the footage"
for gone in /etc/cctvd /lib/systemd/system/cctvd.service /usr/bin/cctvctl; do
  [ ! -e "$gone" ] || fail "purge left $gone"
done
step "remove and purge kept the footage ($(wc -l <<<"$before") entries, byte-identical)"

# 4. The Raspberry Pi builds under qemu: serve a small root.
for arch in arm64 armhf; do
  qemu=qemu-aarch64-static
  [ "$arch" = armhf ] && qemu=qemu-arm-static
  bin=$work/$arch/usr/bin
  got=$("$qemu" "$bin/cctvd" --version)
  [[ $got == "cctvd $version (go"*" linux/${arch/armhf/arm})" ]] || fail "$arch: cctvd --version printed \"$got\""
  root=$work/root-$arch
  mkdir -p "$root"
  cp -rp "$work/footage/$day" "$root/"
  log=$work/cctvd-$arch.log
  # ffmpeg is the host's: qemu runs only cctvd emulated.
  "$qemu" "$bin/cctvd" --root "$root" --http 127.0.0.1:0 >"$log" 2>&1 &
  pids+=($!)
  addr=
  for _ in $(seq 300); do # 60 s: emulated start-up is slow
    addr=$(sed -n 's/.*msg="serving http".* addr=\([0-9.:]*\).*/\1/p' "$log")
    [ -n "$addr" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "$arch: cctvd exited: $(cat "$log")"
    sleep 0.2
  done
  [ -n "$addr" ] || fail "$arch: cctvd did not serve HTTP within 60 s: $(cat "$log")"
  [ "$(curl -fsS --max-time 10 "http://$addr/healthz")" = ok ] || fail "$arch: /healthz is not ok"
  # 503 while the day waits for its first scan: ask again.
  playlist=
  for _ in $(seq 60); do
    playlist=$(curl -fsS --max-time 10 "http://$addr/playlist.m3u8?date=$day" 2>/dev/null) && break
    sleep 0.5
  done
  for want in '#EXTM3U' seg1.ts seg2.ts '#EXT-X-ENDLIST'; do
    grep -qF -- "$want" <<<"$playlist" || fail "$arch: the playlist of $day has no $want: $playlist"
  done
  curl -fsS --max-time 10 "http://$addr/$day/seg2.ts" | cmp -s - "$work/footage/$day/seg2.ts" ||
    fail "$arch: GET /$day/seg2.ts did not return the segment"
  status=$("$qemu" "$bin/cctvctl" --addr "unix://$root/.cctvd/cctvd.sock" status) ||
    fail "$arch: cctvctl status failed: $status"
  grep -q "^cctvd $version, up" <<<"$status" || fail "$arch: cctvctl status: $status"
  got=$("$qemu" "$bin/cctvctl" version)
  [[ $got == "cctvctl $version ("* ]] || fail "$arch: cctvctl version printed \"$got\""
  kill -TERM "${pids[-1]}"
  wait "${pids[-1]}" || fail "$arch: cctvd did not stop cleanly on SIGTERM: $(tail -5 "$log")"
  unset 'pids[-1]'
  step "$arch under $qemu: /healthz, the playlist of $day, a segment, cctvctl status"
done
