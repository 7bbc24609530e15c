#!/usr/bin/env bash
# The test command: install what is needed, then
#   1. build with warnings as errors (the coverage preset: the dev build plus
#      gcov instrumentation) and run every test under ctest, then print the
#      line coverage (gcovr);
#   2. build under ASan+UBSan and run every test again;
#   3. build the libFuzzer targets with clang (warnings as errors) and run
#      each briefly.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

bash ci/deps.sh

echo "== coverage (dev build, -Werror, instrumented): configure, build, every test"
rm -rf build/coverage
cmake --preset coverage >/dev/null
cmake --build --preset coverage -j "$jobs"
ctest --preset coverage -j "$jobs"
gcovr --root . --filter 'harness/' --filter 'reports/' --filter 'checks/' --filter 'fixtures/lab/' \
	--object-directory build/coverage --print-summary --txt build/coverage/coverage.txt
echo "line coverage per file: build/coverage/coverage.txt"

echo "== asan (AddressSanitizer + UndefinedBehaviorSanitizer): configure, build, every test"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

echo "== fuzz: clang build (-Werror), each target briefly"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
for target in build/fuzz/tests/fuzz/fuzz_*; do
	corpus=$(mktemp -d)
	cp tests/data/wsman/*.xml tests/data/crypt/* "$corpus"/
	"$target" -max_total_time="${XPV_FUZZ_SECONDS:-20}" -timeout=5 -rss_limit_mb=1024 \
		-print_final_stats=1 "$corpus" 2>build/fuzz/"$(basename "$target")".log || {
		tail -50 build/fuzz/"$(basename "$target")".log
		exit 1
	}
	grep -E "^stat::number_of_executed_units" build/fuzz/"$(basename "$target")".log | sed "s|^|$(basename "$target") |"
	rm -rf "$corpus"
done
echo "== all tests passed"
