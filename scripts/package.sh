#!/usr/bin/env bash
# Builds cctvd's .deb packages for arm64 (64-bit Raspberry Pi OS), armhf
# (32-bit Raspberry Pi OS) and amd64 into OUTDIR (default dist/):
#   scripts/package.sh [OUTDIR]
# The binaries are static (CGO_ENABLED=0) and the packages reproducible: the
# version and every time in them come from the commit (SOURCE_DATE_EPOCH),
# so two builds of a commit give byte-identical files. armhf is GOARM=6: Raspberry
# Pi OS armhf is built for ARMv6 with hard float, so the packages run on every
# Pi it supports, Pi 1 and Zero included.
# VERSION and SOURCE_DATE_EPOCH in the environment override the commit's.
# Packaging files: contrib/deb (nfpm.yaml, maintainer scripts, default config).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
out=${1:-dist}
nfpm_version=v2.45.2 # newer ones need modules the proxy here refuses

die() { echo "package: $*" >&2; exit 1; }

# nfpm is cached in GOPATH/bin; it is installed only when missing or another version.
nfpm=$(go env GOPATH)/bin/nfpm
if ! go version -m "$nfpm" 2>/dev/null | grep -q "^[[:space:]]mod[[:space:]].*$nfpm_version"; then
  echo "package: installing nfpm $nfpm_version" >&2
  go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$nfpm_version" || die "cannot install nfpm $nfpm_version"
fi

rev=$(git rev-parse HEAD) || die "not a git checkout: the version comes from the commit"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
if [ -z "${VERSION:-}" ]; then
  if tag=$(git describe --tags --exact-match HEAD 2>/dev/null); then
    VERSION=${tag#v}
  else
    # ~ sorts before anything: a first tag v0.1 is newer than these.
    VERSION=0.0~git$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d).${rev:0:12}
  fi
  # Uncommitted changes (untracked files too: a stray .go file is built in)
  # are not in the commit the version names.
  [ -z "$(git status --porcelain)" ] || VERSION+=+dirty
fi
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "version $VERSION: not a Debian native version"

stage=$(mktemp -d "${TMPDIR:-/tmp}/cctvd-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"

# The package's unit is contrib/systemd/cctvd.service with the package's
# paths: one unit to keep sandboxed. Each change must apply exactly once.
unit=$stage/cctvd.service
header='# cctvd: stores, serves and archives Raspberry Pi CCTV footage.\
# Installed by the cctvd package; settings are in /etc/cctvd/cctvd.toml.\
# Change the unit with "systemctl edit cctvd", not here.'
sed -e '1,/^\[Unit\]$/{/^\[Unit\]$/!d}' -e "1i $header" \
  -e 's|^ExecStart=/usr/local/bin/cctvd .*|ExecStart=/usr/bin/cctvd --config /etc/cctvd/cctvd.toml|' \
  -e 's|^ReadWritePaths=/srv/cctv$|ReadWritePaths=/var/lib/cctvd|' \
  contrib/systemd/cctvd.service >"$unit"
for want in '^ExecStart=/usr/bin/cctvd --config /etc/cctvd/cctvd.toml$' '^ReadWritePaths=/var/lib/cctvd$' '^\[Unit\]$'; do
  [ "$(grep -c "$want" "$unit")" = 1 ] || die "contrib/systemd/cctvd.service changed: no single line $want in the packaged unit"
done
! grep -q '/usr/local\|/srv/' "$unit" || die "the packaged unit still names /usr/local or /srv: $(grep '/usr/local\|/srv/' "$unit")"

# A native package's changelog: one entry, the commit.
{
  echo "cctvd ($VERSION) unstable; urgency=medium"
  echo
  echo "  * Built from commit $rev."
  echo
  echo " -- $(sed -n 's/^maintainer: //p' contrib/deb/nfpm.yaml)  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$stage/changelog.gz"
gzip -9n <contrib/deb/cctvd.8 >"$stage/cctvd.8.gz"
gzip -9n <contrib/deb/cctvctl.1 >"$stage/cctvctl.1.gz"

ldflags="-s -w -X main.version=$VERSION -X github.com/cctvd/cctvd/internal/daemon.version=$VERSION"
for arch in arm64 armhf amd64; do
  goarch=$arch goarm=
  [ "$arch" = armhf ] && goarch=arm goarm=6
  bin=$stage/$arch
  mkdir -p "$bin"
  cp "$unit" "$stage"/*.gz "$bin/"
  # -trimpath and -buildvcs=false: no build paths, no VCS stamp beside
  # the version, so the binary depends on the source alone.
  GOOS=linux GOARCH=$goarch GOARM=$goarm CGO_ENABLED=0 \
    go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$bin/" ./cmd/cctvd ./cmd/cctvctl ||
    die "go build for $arch failed"
  deb=$out/cctvd_${VERSION}_$arch.deb
  # nfpm says what went wrong on stdout.
  log=$(CCTVD_ARCH=$arch CCTVD_VERSION=$VERSION CCTVD_STAGE=$bin \
    "$nfpm" package --config contrib/deb/nfpm.yaml --packager deb --target "$deb" 2>&1) ||
    die "nfpm for $arch failed: $log"
  echo "$deb"
done
