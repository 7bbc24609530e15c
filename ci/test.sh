#!/usr/bin/env bash
# The test command: install what is needed, build with warnings as errors,
# run every test, again under ASan+UBSan, then print line coverage.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

bash ci/deps.sh

for preset in dev asan; do
	echo "== $preset: configure, build, test"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs"
	ctest --preset "$preset" -j "$jobs"
done

echo "== fuzz: clang build (-Werror), each target briefly"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
for target in build/fuzz/tests/fuzz/fuzz_*; do
	corpus=$(mktemp -d)
	cp tests/data/wsman/*.xml "$corpus"/
	"$target" -max_total_time="${XPV_FUZZ_SECONDS:-20}" -timeout=5 -rss_limit_mb=1024 \
		-print_final_stats=1 "$corpus" 2>build/fuzz/"$(basename "$target")".log || {
		tail -50 build/fuzz/"$(basename "$target")".log
		exit 1
	}
	grep -E "^stat::number_of_executed_units" build/fuzz/"$(basename "$target")".log | sed "s|^|$(basename "$target") |"
	rm -rf "$corpus"
done

echo "== coverage"
rm -rf build/coverage
cmake --preset coverage >/dev/null
cmake --build --preset coverage -j "$jobs"
ctest --preset coverage -j "$jobs" >build/coverage/ctest.log 2>&1 || {
	cat build/coverage/ctest.log
	exit 1
}
gcovr --root . --filter 'harness/' --filter 'reports/' --filter 'checks/' \
	--object-directory build/coverage --print-summary --txt build/coverage/coverage.txt
echo "line coverage per file: build/coverage/coverage.txt"
