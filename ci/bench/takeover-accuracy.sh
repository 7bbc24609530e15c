#!/usr/bin/env bash
# takeover-accuracy.sh [RUNS=10] [METHOD=restart-owner]: runs the failover
# check RUNS times against the healthy lab and compares each measured stage
# with the lab's ground truth of the same run. Prints p50/p95/max of the
# absolute error per stage, in ms, as a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
method=${2:-restart-owner}
xpv=${XPV:-build/dev/xpverify}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/s.yaml" <<YAML
name: takeover accuracy
lab: $PWD/fixtures/labs/healthy.yaml
failover: {method: $method, takeover_max_s: 5, timeout_s: 20}
reports: {dir: $tmp/r}
YAML
: >"$tmp/errors"
for i in $(seq 1 "$runs"); do
	"$xpv" run "$tmp/s.yaml" --only failover-takeover -q 2>/dev/null || { echo "run $i failed" >&2; exit 1; }
	figs=$(jq -c '.checks[] | select(.id == "failover-takeover") | .results[] | select(.target == "takeover-time") | .figures' "$tmp/r/results.json")
	t0=$(jq -s 'map(select(.event == "trigger"))[0].t_us' "$tmp/r/lab-events.jsonl")
	# services_running: the last role service started on the new owner
	owner=$(jq -rs "map(select(.event == \"owner_changed\" and .t_us >= $t0))[0].to" "$tmp/r/lab-events.jsonl")
	for pair in login_down:login_unavailable owner_changed:owner_changed role_online:role_online \
		services_running:service_started login_up:login_available; do
		ours=$(echo "$figs" | jq -r ".[\"stage_us.${pair%%:*}\"]")
		if [ "${pair%%:*}" = services_running ]; then
			truth=$(jq -s "map(select(.event == \"service_started\" and .node == \"$owner\" and .t_us >= $t0)) | last.t_us" "$tmp/r/lab-events.jsonl")
		else
			truth=$(jq -s "map(select(.event == \"${pair#*:}\" and .t_us >= $t0))[0].t_us" "$tmp/r/lab-events.jsonl")
		fi
		[ "$ours" = null ] || [ "$truth" = null ] && continue
		echo "${pair%%:*} $(( (ours - truth) / 1000 ))" >>"$tmp/errors"
	done
done

echo "| stage | runs | p50 abs error ms | p95 abs error ms | max ms | mean signed ms |"
echo "|---|---|---|---|---|---|"
for stage in login_down owner_changed role_online services_running login_up; do
	grep "^$stage " "$tmp/errors" | awk '{print $2}' >"$tmp/e"
	n=$(wc -l <"$tmp/e")
	abs=$(awk '{print ($1 < 0 ? -$1 : $1)}' "$tmp/e" | sort -n)
	p50=$(echo "$abs" | awk -v n="$n" 'NR == int((n + 1) / 2) {print}')
	p95=$(echo "$abs" | awk -v n="$n" 'NR == int(n * 0.95 + 0.999) {print}')
	max=$(echo "$abs" | tail -1)
	mean=$(awk '{s += $1} END {printf "%.0f", s / NR}' "$tmp/e")
	echo "| $stage | $n | $p50 | $p95 | $max | $mean |"
done
