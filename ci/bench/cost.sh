#!/usr/bin/env bash
# cost.sh [NODES] [RUNS] [LATENCY_MS] [domain]: what a run costs xpverify's
# own process (CPU time, peak memory; the built-in lab is another process,
# not counted), from the line `xpverify run -v` ends with. Against a
# generated healthy lab of NODES nodes (default 64), RUNS runs each (default
# 9), every WinRM answer LATENCY_MS late (default 0: at once), Basic over
# HTTPS, or with `domain` xpverify's default (Negotiate over HTTP, sealed:
# Kerberos with the lab's KDC), for the
# certificate check alone, the guide's four verification checks, and every
# non-disruptive check, each with --jobs 1 and the default. Prints a
# Markdown table of medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
xpv=${XPV:-build/release/xpverify}
nodes=${1:-64}
runs=${2:-9}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bash ci/bench/make-lab.sh "$nodes" "${3:-0}" ${4:-} >"$tmp/lab.yaml"
printf "name: cost\nlab: %s/lab.yaml\nreports: {dir: %s/r}\n" "$tmp" "$tmp" >"$tmp/s.yaml"
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "| checks | jobs | CPU ms | peak memory MB | run s |"
echo "|---|---|---|---|---|"
while IFS='|' read -r label select; do
	for jobs in 1 ""; do
		: >"$tmp/cpu"
		: >"$tmp/mem"
		: >"$tmp/dur"
		for _ in $(seq 1 "$runs"); do
			# shellcheck disable=SC2086 # $select is two words
			"$xpv" run "$tmp/s.yaml" $select ${jobs:+-j "$jobs"} -v 2>"$tmp/err" >/dev/null ||
				{ cat "$tmp/err" >&2; exit 1; }
			sed -nE 's/.* resources: CPU ([0-9.]+) s .*peak memory ([0-9.]+) MB$/\1 \2/p' "$tmp/err" >"$tmp/line"
			awk '{print $1 * 1000}' "$tmp/line" >>"$tmp/cpu"
			awk '{print $2}' "$tmp/line" >>"$tmp/mem"
			jq -r .run.duration_s "$tmp/r/results.json" >>"$tmp/dur"
		done
		printf '| %s | %s | %.0f | %.1f | %.3f |\n' "$label" "${jobs:-default}" "$(median <"$tmp/cpu")" \
			"$(median <"$tmp/mem")" "$(median <"$tmp/dur")"
	done
done <<EOF
certificate-san|--only certificate-san
the four verification checks|--only startup-type-manual,service-status-matches-cluster,login-cluster-address,certificate-san
every non-disruptive check|--skip failover-takeover
EOF
