#!/usr/bin/env bash
# lab-start.sh [XPLAB]: how long xplab takes from start to its ready file,
# for 2, 8, 32 and 64 nodes (median of 5 runs each). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
xplab=${1:-build/dev/fixtures/lab/xplab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| nodes | median ms | min ms | max ms |"
echo "|---|---|---|---|"
for n in 2 8 32 64; do
	bash ci/bench/make-lab.sh "$n" >"$tmp/lab.yaml"
	times=()
	for _ in 1 2 3 4 5; do
		rm -rf "$tmp/state"
		start=$(date +%s%N)
		"$xplab" "$tmp/lab.yaml" --state-dir "$tmp/state" 2>/dev/null &
		pid=$!
		until [ -f "$tmp/state/ready.json" ]; do
			kill -0 "$pid" 2>/dev/null || { echo "xplab died" >&2; exit 1; }
			sleep 0.005
		done
		end=$(date +%s%N)
		times+=($(((end - start) / 1000000)))
		kill -TERM "$pid"
		wait "$pid"
	done
	sorted=$(printf '%s\n' "${times[@]}" | sort -n)
	echo "| $n | $(echo "$sorted" | sed -n 3p) | $(echo "$sorted" | head -1) | $(echo "$sorted" | tail -1) |"
done
