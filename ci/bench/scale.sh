#!/usr/bin/env bash
# scale.sh [LATENCY_MS]: the non-disruptive checks against healthy labs of
# 2, 8, 32 and 64 nodes; the run's own duration (results.json, lab start
# excluded), median of 3. With LATENCY_MS every WinRM answer is that slow.
# Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
xpv=${XPV:-build/dev/xpverify}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| nodes | results | median run s | min s | max s |"
echo "|---|---|---|---|---|"
for n in 2 8 32 64; do
	bash ci/bench/make-lab.sh "$n" ${1:-} >"$tmp/lab.yaml"
	cat >"$tmp/s.yaml" <<YAML
name: scale $n
lab: $tmp/lab.yaml
reports: {dir: $tmp/r}
YAML
	: >"$tmp/t"
	for _ in 1 2 3; do
		"$xpv" run "$tmp/s.yaml" --skip failover-takeover -q 2>/dev/null || { echo "run failed" >&2; exit 1; }
		jq -r .run.duration_s "$tmp/r/results.json" >>"$tmp/t"
	done
	sorted=$(sort -n "$tmp/t")
	printf '| %s | %s | %.3f | %.3f | %.3f |\n' "$n" "$(jq .summary.total "$tmp/r/results.json")" \
		"$(echo "$sorted" | sed -n 2p)" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)"
done
