#!/bin/sh
# Run every fuzz target (or the ones named) for SECONDS each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR is a build configured with -DCMAKE_C_COMPILER=clang
# -DNERD_FUZZ=ON and built with `cmake --build BUILD_DIR --target fuzz`.
# Each target starts from its seed corpus (tests/fuzz/corpus/NAME) copied
# to a scratch folder, so that fuzzing never litters the tree. Any crash,
# leak, timeout, out-of-memory or sanitizer report fails the run, and the
# input that caused it is copied into tests/fuzz/corpus/NAME/ as a
# regression input (ctest's fuzz_NAME_corpus runs it from then on): commit
# it with the fix. FUZZ_JOBS=N runs N targets at a time (default 1).
set -u
if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
SECS=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
TARGETS=${*:-article normalize engine gazsrc rules image}
JOBS=${FUZZ_JOBS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nerd-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# halt_on_error and abort_on_error off: libFuzzer itself turns a report
# into a crash artifact; detect_leaks is on by default and stays on.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

run_one() {
	t=$1
	bin=$BUILD/tests/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz_$t: not built in $BUILD" >&2
		return 1
	fi
	dir=$WORK/$t
	mkdir -p "$dir/corpus" "$dir/crashes"
	cp "$HERE/corpus/$t/"* "$dir/corpus/"
	if [ "$t" = image ] && [ -x "$BUILD/nerd" ]; then
		# The fixture image as this build's `nerd compile` writes it,
		# behind each mode byte (see fuzz_image.c).
		"$BUILD/nerd" compile -g "$HERE/../fixtures/gazetteers" \
		    -r "$HERE/../fixtures/rules" -o "$dir/fixture.img" \
		    >/dev/null 2>&1 &&
		for m in 0 3 4 7; do
			{ printf "\\$m"; cat "$dir/fixture.img"; } >"$dir/corpus/fresh-$m"
		done
	fi
	start=$(date +%s)
	# A fixed seed (FUZZ_SEED, default 1) makes a run repeatable: CI
	# explores the same inputs each time, and a failure it reports can be
	# replayed; set FUZZ_SEED=0 for a fresh random run when fuzzing by hand.
	"$bin" -seed="${FUZZ_SEED:-1}" -max_total_time="$SECS" -timeout=25 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$dir/crashes/" \
	    "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1)
	found=$(ls "$dir/crashes" | grep -v '^slow-unit-' || true)
	if [ $rc -ne 0 ] || [ -n "$found" ]; then
		echo "FAIL fuzz_$t: exit $rc after ${took}s"
		grep -E -A30 'ERROR|runtime error|SUMMARY|deadly|timeout|out-of-memory' \
		    "$dir/log" | head -60
		for f in $found; do
			cp "$dir/crashes/$f" "$HERE/corpus/$t/$f"
			echo "  regression input: tests/fuzz/corpus/$t/$f"
		done
		return 1
	fi
	echo "ok fuzz_$t: ${runs:-?} runs in ${took}s, $cov"
}

status=0
if [ "$JOBS" -le 1 ]; then
	for t in $TARGETS; do
		run_one "$t" || status=1
	done
else
	# A simple pool: JOBS targets at a time, each reporting when done.
	set -- $TARGETS
	while [ $# -gt 0 ]; do
		pids=""
		i=0
		while [ $i -lt "$JOBS" ] && [ $# -gt 0 ]; do
			(run_one "$1" >"$WORK/$1.out"; echo $? >"$WORK/$1.rc") &
			pids="$pids $!"
			names="${names:-} $1"
			shift
			i=$((i + 1))
		done
		wait $pids
	done
	for t in $TARGETS; do
		cat "$WORK/$t.out"
		[ "$(cat "$WORK/$t.rc")" = 0 ] || status=1
	done
fi
exit $status
