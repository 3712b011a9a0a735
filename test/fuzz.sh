#!/usr/bin/env bash
# test/fuzz.sh: runs every fuzz target for FUZZTIME each (default 10m), one
# after another, and prints each target's executions and new corpus entries.
# Not in CI: it takes FUZZTIME × 4. A crasher is written by go test under the
# package's testdata/fuzz/<Target>/ — commit it as a seed once fixed.
#
#   test/fuzz.sh                  # 4 × 10 minutes
#   FUZZTIME=30s test/fuzz.sh     # a quick look
#   PARALLEL=2 test/fuzz.sh       # workers per target (default 1: leaves a core free)
#   test/fuzz.sh FuzzScan         # only the targets named
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10m}
PARALLEL=${PARALLEL:-1}
targets=(
	"./internal/ts FuzzScan"
	"./internal/ts FuzzPlanOrder"
	"./internal/web FuzzPath"
	"./internal/web FuzzThumbPath"
	"./internal/web FuzzPlaylistQuery"
	"./internal/retention FuzzPlan"
	"./internal/access FuzzSession"
	"./internal/export FuzzParseRange"
)
only=" $* "
status=0
for t in "${targets[@]}"; do
	set -- $t
	pkg=$1 name=$2
	if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then continue; fi
	log=$(mktemp)
	echo "== $name ($pkg) for $FUZZTIME, $PARALLEL worker(s)"
	start=$(date +%s)
	if go test "$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -parallel "$PARALLEL" >"$log" 2>&1; then
		result=ok
	else
		result=FAILED
		status=1
	fi
	# go test prints a progress line every 3 s; the last one holds the totals.
	took=$(( $(date +%s) - start ))
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
	corpus=$(grep -oE 'new interesting: [0-9]+ \(total: [0-9]+\)' "$log" | tail -1 || true)
	echo "$name: $result in $took s; $execs executions ($(( execs / (took > 0 ? took : 1) ))/s); $corpus"
	if [ "$result" = FAILED ]; then tail -40 "$log"; fi
	rm -f "$log"
done
exit $status
