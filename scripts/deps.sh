#!/usr/bin/env bash
# Installs what cctvd and its tests need on Debian, when missing.
# CCTVD_DEPS=test: also the tests' tools; CCTVD_DEPS=package: also what
# scripts/package-check.sh needs (lintian, qemu-user-static).
set -euo pipefail
need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v sha512sum >/dev/null || need+=(coreutils)
if [ "${CCTVD_DEPS:-}" = test ]; then
  command -v systemd-analyze >/dev/null || need+=(systemd)
  command -v rsync >/dev/null || need+=(rsync)   # the field test copies like a camera
  command -v curl >/dev/null || need+=(curl)
  command -v gst-launch-1.0 >/dev/null || need+=(gstreamer1.0-tools gstreamer1.0-plugins-base
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav)
fi
if [ "${CCTVD_DEPS:-}" = package ]; then   # scripts/package-check.sh
  command -v lintian >/dev/null || need+=(lintian)
  command -v qemu-aarch64-static >/dev/null && command -v qemu-arm-static >/dev/null || need+=(qemu-user-static)
  command -v systemd-analyze >/dev/null || need+=(systemd)
  command -v curl >/dev/null || need+=(curl)
  command -v adduser >/dev/null || need+=(adduser)
fi
if [ "${CCTVD_DEPS:-}" = test ] && command -v go >/dev/null; then
  # internal/offsite's tests run a real S3 server; GOPATH/bin is cached by CI.
  gw="$(go env GOPATH)/bin/versitygw"
  [ -x "$gw" ] || go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
