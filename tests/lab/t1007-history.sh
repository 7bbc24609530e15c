#!/usr/bin/env bash
# The run history in SQLite (the default store) across several lab runs:
# what is stored, 'xpverify history', the takeover trend skipping, passing
# and failing, the report's trend picture, and a store that cannot be
# reached.
. "$(dirname "$0")/../cli/lib.sh"

# scenario FILE LAB [HISTORY LINES]: a lab scenario whose trend needs 2 runs
scenario() {
	cat >"$1" <<-YAML
	name: nightly
	lab: $XPV_LABS/$2
	failover: {takeover_max_s: 8, timeout_s: 30}
	checks: {params: {failover-takeover: {settle_s: 1}, takeover-trend: {runs: 2, max_increase_pct: 50}}}
	YAML
	cat >>"$1"
}

# result CHECK FIELD [DIR]: that field of the check's first result
result() {
	jq -r --arg c "$1" ".checks[] | select(.id == \$c) | .results[0].$2" "${3:-r}/results.json"
}

# takeover [DIR]: the takeover time failover-takeover measured
takeover() {
	jq -r '.checks[] | select(.id == "failover-takeover") | .results[] | .figures.takeover_ms // empty' "${1:-r}/results.json"
}

test_expect_success 'the first runs are stored; the trend skips until it has 2 earlier runs' '
	printf "history:\n  odbc: Driver=SQLite3;Database=%s/h.db\n" "$PWD" | scenario s.yaml healthy.yaml &&
	"$XPV" run s.yaml --out r -q &&
	test "$(result history verdict)" = pass &&
	test "$(result takeover-trend verdict)" = skip &&
	test "$(result takeover-trend message)" = "0 earlier runs with a takeover time on record; the trend needs 2" &&
	"$XPV" run s.yaml --out r -q &&
	test "$(result takeover-trend message)" = "1 earlier run with a takeover time on record; the trend needs 2"
'

test_expect_success 'the third run is compared with the median of the two before' '
	"$XPV" run s.yaml --out r -q &&
	test "$(result takeover-trend verdict)" = pass &&
	result takeover-trend message | grep -q "^the takeover took [0-9]* ms; the median of the last 2 runs is [0-9]* ms$" &&
	test "$(result takeover-trend figures.runs)" = 2 &&
	test "$(result takeover-trend figures.takeover_ms)" = "$(takeover)"
'

test_expect_success 'a markedly slower takeover fails the trend (and only the trend)' '
	printf "history:\n  odbc: Driver=SQLite3;Database=%s/h.db\n" "$PWD" | scenario slow.yaml failover-slow.yaml &&
	expect_code 1 "$XPV" run slow.yaml --out slow -q &&
	test "$(result takeover-trend verdict slow)" = fail &&
	result takeover-trend message slow | grep -q "above the median of the last 2 runs" &&
	test "$(jq -r "[.checks[] | select(.verdict == \"fail\") | .id] | join(\",\")" slow/results.json)" = takeover-trend
'

test_expect_success 'every run, result and failover stage is in the store' '
	test "$(sqlite3 h.db "select count(*) from xpv_runs where scenario = '\''nightly'\''")" = 4 &&
	test "$(sqlite3 h.db "select group_concat(verdict) from (select verdict from xpv_runs order by started_us)")" = pass,pass,pass,fail &&
	id=$(jq -r .run.id slow/results.json) &&
	test "$(sqlite3 h.db "select count(*) from xpv_results where run_id = '\''$id'\''")" = \
		"$(jq "[.checks[] | select(.id != \"history\") | .results[]] | length" slow/results.json)" &&
	test "$(sqlite3 h.db "select verdict from xpv_results where run_id = '\''$id'\'' and check_id = '\''takeover-trend'\''")" = fail &&
	for stage in trigger owner_unreachable owner_changed services_running role_online login_up; do
		test "$(sqlite3 h.db "select count(*) from xpv_failover_stages where run_id = '\''$id'\'' and stage = '\''$stage'\''")" = 1 ||
			{ echo "no stage $stage"; exit 1; }
	done &&
	test "$(sqlite3 h.db "select cast(takeover_ms as integer) from xpv_runs where run_id = '\''$id'\''")" = \
		"$(takeover slow)"
'

test_expect_success 'xpverify history lists the runs, newest first, with verdicts and takeover times' '
	"$XPV" history --scenario s.yaml --json >runs.json &&
	test "$(jq length runs.json)" = 4 &&
	test "$(jq -r "map(.verdict) | join(\",\")" runs.json)" = fail,pass,pass,pass &&
	test "$(jq -r ".[0].run_id" runs.json)" = "$(jq -r .run.id slow/results.json)" &&
	jq -e "all(.[]; (.takeover_ms | type) == \"number\" and .scenario == \"nightly\" and .aborted == false)" runs.json &&
	"$XPV" history --scenario s.yaml --last 2 >table &&
	test "$(wc -l <table)" = 3 &&
	head -1 table | grep -q "^STARTED (UTC) .*VERDICT .*TAKEOVER$" &&
	sed -n 2p table | grep -q " fail .* [0-9]* ms$" &&
	"$XPV" history --odbc "Driver=SQLite3;Database=$PWD/h.db" --json >all.json &&
	test "$(jq length all.json)" = 4
'

test_expect_success 'the HTML report draws the trend, this run marked' '
	grep -q "<section id=\"history\"><h2>Takeover time over the last runs</h2>" slow/report.html &&
	grep -q "class=\"trend\" role=\"img\" aria-label=\"takeover time of the last 4 runs\"" slow/report.html &&
	grep -o "<svg[^>]*class=\"trend\".*" slow/report.html | sed "s#</svg>.*##" >trend.svg &&
	test "$(grep -o "<circle[^>]*class=\"dot\"" trend.svg | wc -l)" = 3 &&
	test "$(grep -o "<circle[^>]*class=\"now\"" trend.svg | wc -l)" = 1 &&
	test "$(jq ".history.runs | length" slow/results.json)" = 4 &&
	jq -e ".checks[] | select(.id == \"history\") | .results[0].verdict == \"pass\"" slow/results.json
'

test_expect_success 'an unreachable store is an error of the history step; every report is still written' '
	printf "history:\n  odbc: Driver=SQLite3;Database=%s/no/such/dir/h.db\n" "$PWD" | scenario bad.yaml healthy.yaml &&
	expect_code 3 "$XPV" run bad.yaml --out bad --evidence bad-ev -q 2>err &&
	test "$(result history verdict bad)" = error &&
	test "$(result history message bad)" = "the history store could not be reached: connecting: [HY000] [SQLite]connect failed" &&
	test "$(result takeover-trend verdict bad)" = error &&
	{ result takeover-trend message bad | grep -q "the history store could not be read: connecting" ||
		{ result takeover-trend message bad >&2; false; }; } &&
	test "$(jq "[.checks[] | select(.id != \"history\" and .id != \"takeover-trend\") | .verdict] | unique | join(\",\")" bad/results.json)" = "\"pass\"" &&
	xmllint --noout bad/junit.xml && grep -q "<testcase name=\"store\" classname=\"xpverify.history\"" bad/junit.xml &&
	grep -q "history store could not be reached" bad/report.html &&
	"$XPV" evidence verify bad-ev/xpverify-evidence-*.tar.gz >/dev/null
'

test_expect_success 'without a history store the trend check skips and says why' '
	scenario none.yaml healthy.yaml </dev/null &&
	"$XPV" run none.yaml --out none -q --only failover-takeover,takeover-trend &&
	test "$(result takeover-trend verdict none)" = skip &&
	result takeover-trend message none | grep -q "^no history store: set .history. in the scenario" &&
	test "$(jq .history none/results.json)" = null &&
	! grep -q "class=\"trend\"" none/report.html
'

test_expect_success 'with failback, the stored takeover is the failover'"'"'s, as the trend reads it (not the failback'"'"'s)' '
	cat >fb.yaml <<-YAML &&
	name: failback
	lab: $XPV_LABS/healthy.yaml
	failover: {takeover_max_s: 8, timeout_s: 30, failback: true}
	checks: {params: {failover-takeover: {settle_s: 1}}}
	history: {odbc: "Driver=SQLite3;Database=$PWD/fb.db"}
	YAML
	"$XPV" run fb.yaml --out fb -q &&
	failover=$(jq -r ".checks[] | select(.id == \"failover-takeover\") | .results[] | select(.target == \"takeover-time\") | .figures.takeover_ms" fb/results.json) &&
	failback=$(jq -r ".checks[] | select(.id == \"failover-takeover\") | .results[] | select(.target == \"failback/takeover-time\") | .figures.takeover_ms" fb/results.json) &&
	test -n "$failover" && test -n "$failback" && test "$failover" != "$failback" &&
	stored=$(sqlite3 fb.db "select cast(takeover_ms as integer) from xpv_runs") &&
	test "$stored" = "$failover" || { echo "stored $stored, failover $failover, failback $failback"; exit 1; }
'

test_done
