#!/usr/bin/env bash
# The test command: install what is needed, then
#   1. build with warnings as errors under AddressSanitizer and
#      UndefinedBehaviorSanitizer, with gcov instrumentation (the ci
#      preset), run every test once under ctest, four at a time while a
#      lab and the demo run beside them, and print the line coverage of
#      that same run (gcovr);
#   2. build under ThreadSanitizer what the runner's threads touch and run
#      the runner's and the thread pool's unit tests, the signal and evidence tests and a few
#      end-to-end runs, a SafeKit one among them (the tsan test preset names them);
#   3. build the libFuzzer targets with clang (warnings as errors) and run
#      each briefly;
#   4. build the Debian package, extract it into a fresh root and run the
#      demo from the installed paths.
# Every stage runs even when an earlier one failed; the failures are named
# at the end and make the exit code non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)
failed=()

bash ci/deps.sh || { echo "ci/test.sh: installing the packages failed"; exit 1; }

# alongside_start: a lab on healthy.yaml's own ports and the demo's run in a
# loop, in the background, until alongside_stop; each demo must pass. A
# pause of 10 s between demos leaves the CPU to the tests (back to back, the
# demos took a seventh of it).
alongside_start() {
	local dir=build/ci/alongside

	rm -rf "$dir" && mkdir -p "$dir"
	build/ci/fixtures/lab/xplab fixtures/labs/healthy.yaml --state-dir "$dir/lab" 2>"$dir/lab.log" &
	echo $! >"$dir/lab.pid"
	(
		n=0
		while [ ! -e "$dir/stop" ]; do
			n=$((n + 1))
			if ! build/ci/xpverify run scenarios/lab-demo.yaml --out "$dir/demo-$n" -q >"$dir/demo-$n.log" 2>&1; then
				echo "demo run $n failed: $dir/demo-$n.log" >>"$dir/failures"
			fi
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				[ -e "$dir/stop" ] && break
				sleep 1
			done
		done
		echo "$n" >"$dir/demos"
	) &
	echo $! >"$dir/loop.pid"
}

alongside_stop() {
	local dir=build/ci/alongside rc=0

	touch "$dir/stop"
	wait "$(cat "$dir/loop.pid")"
	if ! kill -0 "$(cat "$dir/lab.pid")" 2>/dev/null; then
		echo "the lab on the file's own ports did not stay up: $(cat "$dir/lab.log")"
		rc=1
	fi
	kill "$(cat "$dir/lab.pid")" 2>/dev/null
	wait "$(cat "$dir/lab.pid")" 2>/dev/null
	echo "alongside the tests: $(cat "$dir/demos") demo runs, a lab on the file's ports"
	if [ -s "$dir/failures" ]; then
		cat "$dir/failures"
		rc=1
	fi
	return $rc
}

stage_tests() {
	echo "== ci (-Werror, ASan+UBSan, gcov): configure, build, every test, coverage"
	rm -rf build/ci
	cmake --preset ci >/dev/null &&
		cmake --build --preset ci -j "$jobs" || return 1
	local rc=0
	# labs side by side: the tests run four at a time while a developer's
	# lab holds the lab file's own ports and demos run one after another
	alongside_start
	ctest --preset ci -j 4 || rc=1
	alongside_stop || rc=1
	gcovr --root . --filter 'harness/' --filter 'reports/' --filter 'checks/' --filter 'fixtures/lab/' \
		--object-directory build/ci --print-summary --txt build/ci/coverage.txt || rc=1
	echo "line coverage per file: build/ci/coverage.txt"
	return $rc
}

stage_tsan() {
	echo "== tsan (-Werror, ThreadSanitizer): the runner, signals, evidence and end-to-end runs"
	cmake --preset tsan >/dev/null &&
		cmake --build --preset tsan -j "$jobs" --target xpverify xpverify-test xplab test_runner test_pool test_auth || return 1
	ctest --preset tsan -j "$jobs"
}

stage_fuzz() {
	echo "== fuzz: clang build (-Werror), each target briefly (XPV_FUZZ_SECONDS, default 10)"
	cmake --preset fuzz >/dev/null &&
		cmake --build --preset fuzz -j "$jobs" || return 1
	local rc=0 target corpus
	for target in build/fuzz/tests/fuzz/fuzz_*; do
		corpus=$(mktemp -d)
		# every target gets every seed: the ones of other formats are
		# malformed input for it, which is what it is for
		cp tests/data/wsman/*.xml tests/data/crypt/* tests/data/fuzz/* scenarios/*.yaml fixtures/labs/*.yaml "$corpus"/
		if "$target" -max_total_time="${XPV_FUZZ_SECONDS:-10}" -timeout=5 -rss_limit_mb=1024 \
			-print_final_stats=1 "$corpus" 2>build/fuzz/"$(basename "$target")".log; then
			grep -E "^stat::number_of_executed_units" build/fuzz/"$(basename "$target")".log |
				sed "s|^|$(basename "$target") |"
		else
			tail -50 build/fuzz/"$(basename "$target")".log
			rc=1
		fi
		rm -rf "$corpus"
	done
	return $rc
}

stage_package() {
	echo "== package: the .deb (ci/package.sh), extracted into a fresh root, the demo run from it"
	bash tests/package/test-package.sh
}

# stage NAME FUNCTION: runs the stage, says how long it took, keeps its failure
stage() {
	local start=$SECONDS

	"$2" || failed+=("$1")
	echo "-- $1: $((SECONDS - start)) s"
}

stage "tests (build/ci)" stage_tests
stage tsan stage_tsan
stage fuzz stage_fuzz
stage package stage_package

if [ ${#failed[@]} -ne 0 ]; then
	echo "== failed: ${failed[*]} ($SECONDS s)"
	exit 1
fi
echo "== all tests passed ($SECONDS s)"
