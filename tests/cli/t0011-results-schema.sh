#!/usr/bin/env bash
# docs/results.schema.json describes results.json: runs with waivers, an
# aborted run and a run with history validate against it, and a document
# it does not describe is refused with the path of what is wrong. (Every
# end-to-end case validates its results.json too: tests/e2e/run-case.sh.)
. "$(dirname "$0")/lib.sh"

SCHEMA=$XPV_SRC/docs/results.schema.json
validate() {
	/usr/bin/python3 "$XPV_SRC/tests/validate-results.py" "$SCHEMA" "$@"
}

test_expect_success 'a run with a waived fail and an expired waiver validates' '
	write_scenario w.yaml <<-YAML &&
	checks: {params: {t-nodes: {fail_node: node2, error_node: node1}}}
	waivers:
	  - {check: t-nodes, target: node2, reason: change 1234 pending, expires: 2999-01-01}
	  - {check: t-cluster, reason: forgotten, expires: 2020-06-30}
	YAML
	expect_code 3 "$XPV_TEST" run w.yaml --out w 2>/dev/null &&
	validate w/results.json
'

test_expect_success 'an aborted run and a run with history validate' '
	write_scenario slow.yaml <<-YAML
	checks: {params: {t-nodes: {sleep_ms: 60000}}}
	YAML
	"$XPV_TEST" run slow.yaml --out a -v 2>err &
	pid=$! &&
	wait_for err "check t-nodes: started" 10 &&
	kill -INT $pid && { wait $pid || true; } &&
	test "$(jq -r .run.verdict a/results.json)" = aborted &&
	validate a/results.json &&
	write_scenario h.yaml <<-YAML &&
	history:
	YAML
	"$XPV_TEST" run h.yaml --out h1 2>/dev/null &&
	"$XPV_TEST" run h.yaml --out h2 2>/dev/null &&
	test "$(jq ".history.runs | length" h2/results.json)" -ge 1 &&
	validate h1/results.json h2/results.json
'

test_expect_success 'what the schema does not describe is refused, with its path' '
	jq ".checks[0].results[0].verdict = \"maybe\"" w/results.json >bad1.json &&
	jq "del(.summary.fail)" w/results.json >bad2.json &&
	jq ".run.started = \"yesterday\"" w/results.json >bad3.json &&
	jq ".checks[0].results[0].surprise = 1" w/results.json >bad4.json &&
	expect_code 1 validate bad1.json bad2.json bad3.json bad4.json >out &&
	cat out &&
	grep -q "^bad1.json: checks/0/results/0/verdict: .maybe. is not one of" out &&
	grep -q "^bad2.json: summary: .fail. is a required property" out &&
	grep -q "^bad3.json: run/started: .yesterday. does not match" out &&
	grep -q "^bad4.json: checks/0/results/0: Additional properties are not allowed" out
'

test_done
