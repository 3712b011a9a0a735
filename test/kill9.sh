#!/usr/bin/env bash
# test/kill9.sh: kill -9 at random moments of archiving. Builds cctvd, films
# a few short past days (320x180, 5 fps) of two cameras into a temporary
# root (the default camera in ROOT/DATE, cam2 in ROOT/cam2/DATE), and
# SIGKILLs cctvd 20 times at random moments of its archive runs, restarting
# it each time. After every kill, with cctvd stopped, each day of each
# camera must hold all its segments byte for byte or a verified archive
# (sha512sum -c passes, HEVC with the segments' frames and duration); at the
# end every day is archived: 0 segments lost, 0 checksum failures, no
# temporary file left in either camera's day folders or state folder
# (STATE, STATE/cameras/cam2). The summary gives the figures per camera.
# Every fourth kill aims at a commit (rename, checksum file, segment
# deletion), a window of milliseconds. About a minute on an idle 2-core
# machine, up to 3 under heavy load: the kill moments scale with a first
# uninterrupted run. Exit 1 on any failure (the temporary folder is then
# kept, with cctvd's log).
#
# Then the retention phase (needs root: it mounts a 32 MiB tmpfs; about 45 s):
# 2 cameras × 8 archived days on the tmpfs with --keep-free 90% and a filler
# file, one day of each camera held; cctvd is SIGKILLed 40 times, half at a
# random moment 0-60 ms after start, half just after a delete intent reaches
# the ledger. After every kill each day holds its video.mp4 and checksum
# intact (the SHA-512 matches) or has its intent in STATE/ledger.jsonl; the
# next start closes every open intent (deleted, recovered, or abandoned);
# held days and each camera's newest archive are never touched; after a
# clean stop the ledger's deleted days are exactly the days missing.
#
#   test/kill9.sh                      # 20 rounds, 2 cameras × 2 days, a random seed (printed)
#   test/kill9.sh -cameras 3 -days 3   # more cameras, more days each
#   test/kill9.sh -jobs 2              # cctvd's --jobs (default: cctvd's own)
#   test/kill9.sh -seed 42 -rounds 40  # the same kill moments (what they hit depends on timing), or more
#   test/kill9.sh -keep                # keep root, state and log for a look
#   test/kill9.sh -retention=false     # skip the retention phase (no root, no tmpfs)
#   test/kill9.sh -retention-rounds 100
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./test/kill9 "$@"
