#!/usr/bin/env bash
# buf-check.sh lints proto/ and checks that the generated Go code under
# proto/ is exactly what `buf generate` produces: it fails if generating
# changes, adds or removes any file there. On a clean checkout (CI) that is
# `git status --porcelain proto` staying empty; with uncommitted .proto edits
# it checks the edits were regenerated.
#
# Run it from anywhere inside the repository. buf and the code generators are
# built by `go run` at pinned versions (here and in buf.gen.yaml), so the
# output is byte-identical on every machine. The first run takes a few
# minutes to build buf; later runs use Go's build cache.
#
# It also checks that the API stays compatible (buf breaking, FILE rules:
# no field renumbered, renamed or removed) with the previous commit, so that
# every commit keeps today's clients working: on a clean checkout that is
# HEAD against HEAD~1; with uncommitted edits, the edits against HEAD~1.
# Set BUF_BREAKING_AGAINST to another buf input (e.g. '.git#branch=main'),
# or to the empty string to skip the check. A shallow clone without the
# previous commit skips it, saying so (fetch with --depth 2 or more).
set -euo pipefail

BUF_VERSION=v1.75.0
buf() { go run "github.com/bufbuild/buf/cmd/buf@${BUF_VERSION}" "$@"; }

cd "$(git rev-parse --show-toplevel)"

# snapshot names and hashes every file under proto/.
snapshot() { find proto -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; }

buf lint
if [ -z "${BUF_BREAKING_AGAINST+set}" ]; then
	if git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
		BUF_BREAKING_AGAINST='.git#ref=HEAD~1'
	elif [ "$(git rev-parse --is-shallow-repository)" = true ]; then
		echo "buf-check: shallow clone without the previous commit: breaking-change check skipped (fetch with --depth 2 or more)" >&2
	else
		echo "buf-check: no previous commit: breaking-change check skipped" >&2
	fi
fi
if [ -n "${BUF_BREAKING_AGAINST:-}" ]; then
	buf breaking --against "$BUF_BREAKING_AGAINST"
	breaking=", compatible with $BUF_BREAKING_AGAINST"
fi

before=$(snapshot)
buf generate
after=$(snapshot)

if [ "$before" != "$after" ]; then
	echo "buf-check: buf generate changed proto/; commit the regenerated files:" >&2
	diff <(echo "$before") <(echo "$after") >&2 || true
	git status --short -- proto >&2 || true
	exit 1
fi
if [ -n "$(git status --porcelain -- proto)" ]; then
	echo "buf-check: ok, but proto/ has uncommitted changes:" >&2
	git status --short -- proto >&2
fi
echo "buf-check: ok (lint clean${breaking:-}, generated code up to date)"
