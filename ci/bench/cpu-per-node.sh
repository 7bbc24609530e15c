#!/usr/bin/env bash
# cpu-per-node.sh [NODES] [RUNS] ["XPV [ARGS]" ...]: the CPU one more node
# costs xpverify's own process, (CPU at NODES - CPU at 2) / (NODES - 2),
# for the guide's four verification checks and for every non-disruptive
# check, against generated healthy labs answering at once. xpverify runs on
# core 0 and the lab on core 1 (taskset), so neither takes the other's
# time slices; runs of the builds given are interleaved (default: the
# release build with -j 1, then with the default jobs). A build must print
# the `resources:` line of `xpverify run -v`. Medians of RUNS (default 9).
# With LAB=domain in the environment, the labs are domains and xpverify
# talks its default (Negotiate over HTTP, sealed: Kerberos); else Basic
# over HTTPS.
set -euo pipefail
cd "$(dirname "$0")/../.."
nodes=${1:-64}
runs=${2:-9}
shift $(($# < 2 ? $# : 2))
if [ $# -eq 0 ]; then
	set -- "build/release/xpverify -j 1" "build/release/xpverify"
fi
if [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; then
	echo "cpu-per-node.sh: needs two cores and taskset" >&2
	exit 2
fi
xplab=$(realpath "${XPLAB:-build/release/fixtures/lab/xplab}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexec taskset -c 1 %s "$@"\n' "$xplab" >"$tmp/xplab"
chmod +x "$tmp/xplab"
for n in 2 "$nodes"; do
	bash ci/bench/make-lab.sh "$n" 0 ${LAB:-} >"$tmp/lab$n.yaml"
	printf "name: cpu\nlab: %s/lab%s.yaml\nreports: {dir: %s/r}\n" "$tmp" "$n" "$tmp" >"$tmp/s$n.yaml"
done
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "| checks | build | CPU ms at 2 | CPU ms at $nodes | per node ms |"
echo "|---|---|---|---|---|"
while IFS='|' read -r label select; do
	for _ in $(seq 1 "$runs"); do
		for n in 2 "$nodes"; do
			b=0
			for build in "$@"; do
				b=$((b + 1))
				read -r bin args <<<"$build"
				# shellcheck disable=SC2086 # $select and $args are words
				XPV_XPLAB=$tmp/xplab taskset -c 0 "$bin" run "$tmp/s$n.yaml" $select $args -v \
					2>"$tmp/err" >/dev/null ||
					{ cat "$tmp/err" >&2; exit 1; }
				sed -nE 's/.* resources: CPU ([0-9.]+) s .*/\1/p' "$tmp/err" |
					awk '{print $1 * 1000}' >>"$tmp/cpu-$b-$n"
			done
		done
	done
	b=0
	for build in "$@"; do
		b=$((b + 1))
		lo=$(median <"$tmp/cpu-$b-2")
		hi=$(median <"$tmp/cpu-$b-$nodes")
		awk -v l="$label" -v b="$build" -v lo="$lo" -v hi="$hi" -v n="$nodes" \
			'BEGIN {printf "| %s | `%s` | %.0f | %.0f | %.2f |\n", l, b, lo, hi, (hi - lo) / (n - 2)}'
		rm -f "$tmp/cpu-$b-2" "$tmp/cpu-$b-$nodes"
	done
done <<EOF
the four verification checks|--only startup-type-manual,service-status-matches-cluster,login-cluster-address,certificate-san
every non-disruptive check|--skip failover-takeover
EOF
