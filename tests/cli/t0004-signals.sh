#!/usr/bin/env bash
# SIGINT/SIGTERM: stop, keep what ran, write complete reports, exit 4. A
# check that ignores the abort is abandoned after the grace period.
. "$(dirname "$0")/lib.sh"

# run_and_signal SIGNAL SCENARIO: starts a run, waits until the runner has
# started t-nodes (the check whose result the tests look at: a signal before
# that would leave it "not run") and t-cluster, beside it, is done (a signal
# before that would abort it too), sends SIGNAL, and leaves the exit code
# in ./code.
run_and_signal() {
	"$XPV_TEST" run "$2" --out r -v 2>err &
	pid=$!
	wait_for err "check t-nodes: started" 10
	wait_for err "check t-cluster: done" 10
	kill -s "$1" "$pid"
	set +e
	wait "$pid"
	echo $? >code
	set -e
}

for sig in INT TERM; do
test_expect_success "SIG$sig: exit 4, partial results marked aborted, reports complete" '
	write_scenario slow.yaml <<-YAML &&
	checks: {params: {t-nodes: {sleep_ms: 60000}}}
	YAML
	start=$(date +%s) &&
	run_and_signal '"$sig"' slow.yaml &&
	test "$(cat code)" = 4 &&
	test $(( $(date +%s) - start )) -lt 30 &&
	test "$(json_get r/results.json .run.aborted)" = true &&
	test "$(json_get r/results.json .run.abort_reason)" = "interrupted by SIG'"$sig"'" &&
	test "$(json_get r/results.json .run.verdict)" = aborted &&
	test "$(json_get r/results.json ".checks[0].results[0].verdict")" = pass &&
	test "$(json_get r/results.json ".checks[1].results[0].aborted")" = true &&
	test "$(json_get r/results.json ".checks[1].results[0].message")" = \
		"check stopped before it reported a result: run aborted (interrupted by SIG'"$sig"')" &&
	xmllint --noout --schema "$XPV_TEST_DATA/junit/JUnit.xsd" r/junit.xml &&
	grep -q "partial results: interrupted by SIG'"$sig"'" r/report.html &&
	grep -q "^aborted: " err &&
	! ls r | grep -q tmp
'
done

test_expect_success 'a check that ignores the abort is abandoned after the grace period, and changes nothing after' '
	write_scenario stubborn.yaml <<-YAML &&
	checks: {params: {t-nodes: {stubborn_ms: 20000}}}
	reports: {evidence: ev}
	YAML
	start=$(date +%s) &&
	XPV_ABORT_GRACE_MS=300 run_and_signal INT stubborn.yaml &&
	test "$(cat code)" = 4 &&
	test $(( $(date +%s) - start )) -lt 15 &&
	test "$(json_get r/results.json ".checks[1].results[0].message")" = \
		"check abandoned: run aborted (interrupted by SIGINT) and it did not stop within 300 ms" &&
	test "$(json_get r/results.json ".checks[2].results[0].verdict")" = skip &&
	"$XPV_TEST" evidence verify ev/xpverify-evidence-*.tar.gz | grep -q ": intact$" &&
	"$XPV_TEST" evidence verify ev/xpverify-evidence-*/ | grep -q ": intact$"
'

test_expect_success 'SIGINT while the built-in lab starts: exit 4, every report written, no lab state left' '
	printf "#!/bin/sh\nexec sleep 30\n" >slow-xplab && chmod +x slow-xplab &&
	printf "name: slow lab\nlab: %s/healthy.yaml\n" "$XPV_LABS" >slowlab.yaml &&
	mkdir tmp &&
	(TMPDIR=$PWD/tmp XPV_XPLAB=$PWD/slow-xplab "$XPV" run slowlab.yaml --out lab-r 2>lab-err & echo $! >pid) &&
	wait_for lab-err "starting the built-in lab" 10 &&
	sleep 0.3 &&
	kill -INT "$(cat pid)" &&
	for _ in $(seq 1 100); do kill -0 "$(cat pid)" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$(cat pid)" 2>/dev/null &&
	grep -q "(exit 4)" lab-err &&
	test -s lab-r/junit.xml && test -s lab-r/report.html &&
	test "$(json_get lab-r/results.json .run.aborted)" = true &&
	test -z "$(ls tmp | grep xpverify-lab)"
'

test_done
