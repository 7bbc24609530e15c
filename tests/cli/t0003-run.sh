#!/usr/bin/env bash
# xpverify run: exit codes, the three reports, where they go, what the
# console shows.
. "$(dirname "$0")/lib.sh"

test_expect_success 'all pass: exit 0, three reports, JUnit valid against both schemas' '
	write_scenario s.yaml </dev/null &&
	"$XPV_TEST" run s.yaml --out r 2>err &&
	test -s r/junit.xml && test -s r/report.html && test -s r/results.json &&
	test "$(json_get r/results.json .run.verdict)" = pass &&
	test "$(json_get r/results.json .summary.pass)" = 3 &&
	test "$(json_get r/results.json ".checks[2].results[0].verdict")" = skip &&
	xmllint --noout --schema "$XPV_TEST_DATA/junit/JUnit.xsd" r/junit.xml &&
	xmllint --noout --schema "$XPV_TEST_DATA/junit/junit-10.xsd" r/junit.xml &&
	grep -q "^JUnit report: r/junit.xml" err &&
	grep -q "^HTML report:  r/report.html" err &&
	grep -q "^JSON results: r/results.json" err &&
	ls r >files && test "$(wc -l <files)" -eq 3
'

test_expect_success 'a fail is exit 1' '
	write_scenario f.yaml <<-YAML &&
	checks: {params: {t-nodes: {fail_node: node2}}}
	YAML
	expect_code 1 "$XPV_TEST" run f.yaml --out r 2>err &&
	test "$(json_get r/results.json .run.exit_code)" = 1 &&
	grep -q "done: 2 pass, 1 fail, 0 error, 0 waived, 1 skip (exit 1)" err &&
	xmllint --noout --schema "$XPV_TEST_DATA/junit/JUnit.xsd" r/junit.xml &&
	test "$(xmllint --xpath "string(//testcase[@name=\"node2\"]/failure/@type)" r/junit.xml)" = fail
'

test_expect_success 'errors without fail are exit 3' '
	write_scenario e.yaml <<-YAML &&
	checks: {params: {t-cluster: {return_error: true}}}
	YAML
	expect_code 3 "$XPV_TEST" run e.yaml --out r 2>/dev/null &&
	test "$(json_get r/results.json .run.verdict)" = error &&
	test "$(xmllint --xpath "string(//testsuite[@name=\"t-cluster\"]/testcase/error/@message)" r/junit.xml)" = \
		"check could not be evaluated: test check could not reach the cluster"
'

test_expect_success 'fail and error together are exit 1' '
	write_scenario fe.yaml <<-YAML &&
	checks: {params: {t-nodes: {fail_node: node1, error_node: node2}}}
	YAML
	expect_code 1 "$XPV_TEST" run fe.yaml --out r 2>/dev/null
'

test_expect_success 'a waived fail is exit 0, an expired waiver is listed everywhere' '
	write_scenario w.yaml <<-YAML &&
	checks: {params: {t-nodes: {fail_node: node2}}}
	waivers:
	  - {check: t-nodes, target: node2, reason: change 1234 pending, expires: 2999-01-01}
	  - {check: t-cluster, reason: forgotten, expires: 2020-06-30}
	YAML
	"$XPV_TEST" run w.yaml --out r 2>err &&
	grep -q "warning: waiver for t-cluster on '"'"'\*'"'"' expired on 2020-06-30" err &&
	test "$(json_get r/results.json ".checks[1].results[1].verdict")" = waived &&
	json_get r/results.json ".warnings[]" | grep -qxF "waiver for t-cluster on '"'"'*'"'"' expired on 2020-06-30 and no longer applies" &&
	grep -q "expired on 2020-06-30" r/junit.xml &&
	grep -q "EXPIRED: no longer applies" r/report.html &&
	"$XPV_TEST" validate w.yaml | grep -q "expired on 2020-06-30"
'

test_expect_success 'reports go to reports.dir of the scenario without --out' '
	write_scenario d.yaml <<-YAML &&
	reports: {dir: nightly/out, junit: TEST-xpverify.xml}
	YAML
	"$XPV_TEST" run d.yaml 2>/dev/null &&
	test -s nightly/out/TEST-xpverify.xml && test -s nightly/out/results.json
'

test_expect_success 'disruptive checks need the scenario and the command line' '
	write_scenario dis.yaml <<-YAML &&
	failover: {allow_disruptive: true}
	YAML
	"$XPV_TEST" run dis.yaml --out r 2>/dev/null &&
	test "$(json_get r/results.json ".checks[2].results[0].verdict")" = skip &&
	"$XPV_TEST" run dis.yaml --out r --allow-disruptive 2>/dev/null &&
	test "$(json_get r/results.json ".checks[2].results[0].verdict")" = pass &&
	"$XPV_TEST" run s.yaml --out r --allow-disruptive 2>/dev/null &&
	test "$(json_get r/results.json ".checks[2].results[0].verdict")" = skip
'

test_expect_success '--only and --skip leave skip results behind' '
	"$XPV_TEST" run s.yaml --out r --only t-nodes 2>/dev/null &&
	test "$(json_get r/results.json ".checks[0].results[0].message")" = "not selected by --only" &&
	"$XPV_TEST" run s.yaml --out r --skip t-nodes 2>/dev/null &&
	test "$(json_get r/results.json ".checks[1].results[0].message")" = "excluded by --skip"
'

test_expect_success 'without a terminal every line is timestamped; -q keeps only the summary' '
	"$XPV_TEST" run f.yaml --out r 2>err || true &&
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z fail   t-nodes node2: " err &&
	! grep -q $'"'"'\033'"'"' err &&
	"$XPV_TEST" run f.yaml --out r -q 2>err || true &&
	test "$(wc -l <err)" -eq 1 &&
	grep -q "^done: " err
'

test_expect_success 'a report directory that cannot be made: exit 3, other output intact' '
	echo x >blocker &&
	expect_code 3 "$XPV_TEST" run s.yaml --out blocker/sub 2>err &&
	grep -q "xpverify: error: cannot create directory blocker/sub" err
'

test_expect_success 'reports are a set: one that cannot be written takes the others with it, old ones included' '
	"$XPV_TEST" run s.yaml --out set -q 2>/dev/null &&
	test -s set/junit.xml && test -s set/results.json &&
	rm set/report.html && mkdir set/report.html && touch set/report.html/keep &&
	expect_code 3 "$XPV_TEST" run s.yaml --out set -q 2>err &&
	grep -q "set/report.html" err &&
	grep -q "no report of this run was written, and the earlier ones in set were removed" err &&
	test ! -e set/junit.xml && test ! -e set/results.json &&
	test -z "$(ls set | grep -v "^report.html$")"
'

test_expect_success 'two runs into one report directory: the second is refused, nothing run' '
	write_scenario slow.yaml <<-YAML &&
	checks: {params: {t-nodes: {sleep_ms: 3000}}}
	YAML
	"$XPV_TEST" run slow.yaml --out shared -q 2>/dev/null &
	first=$! &&
	wait_for shared/.xpverify.lock "$first" 10 &&
	expect_code 2 "$XPV_TEST" run s.yaml --out shared 2>err &&
	grep -q "shared: another xpverify run (pid $first) writes its reports there; nothing was run" err &&
	wait $first || true &&
	test -s shared/junit.xml &&
	"$XPV_TEST" run s.yaml --out shared -q 2>/dev/null
'

test_expect_success 'a built-in lab that does not start: every check error, every report written, exit 3' '
	printf "#!/bin/sh\necho \"xplab: cannot bind 127.0.10.1:15986: Address already in use\" >&2\nexit 1\n" >fake-xplab &&
	chmod +x fake-xplab &&
	printf "name: no lab\nlab: %s/healthy.yaml\n" "$XPV_LABS" >nolab.yaml &&
	XPV_XPLAB=$PWD/fake-xplab expect_code 3 "$XPV" run nolab.yaml --out nolab -q 2>err &&
	grep -q "the lab did not start: xplab: cannot bind" err &&
	test "$(jq -r "[.checks[].verdict] | unique | join(\",\")" nolab/results.json)" = error &&
	jq -r ".checks[].results[].message" nolab/results.json | sort -u >msgs &&
	test "$(wc -l <msgs)" = 1 &&
	grep -q "^not run: the lab did not start: xplab: cannot bind 127.0.10.1:15986: Address already in use" msgs &&
	xmllint --noout nolab/junit.xml && test -s nolab/report.html
'

test_expect_success 'checks run side by side, their results printed in check order' '
	write_scenario side.yaml <<-YAML &&
	checks: {params: {t-cluster: {sleep_ms: 500}}}
	YAML
	"$XPV_TEST" run side.yaml --out r --no-color 2>err &&
	awk "\$2 ~ /^(pass|fail|error|skip)\$/ { print \$3 }" err | uniq >order &&
	printf "t-cluster\nt-nodes\nt-disruptive\n" >want &&
	diff -u want order &&
	# t-nodes ended while the slower t-cluster, before it in the table, ran
	jq -e ".checks[1].finished < .checks[0].finished" r/results.json >/dev/null &&
	"$XPV_TEST" run side.yaml --out r1 --no-color -j 1 2>err1 &&
	jq -e ".checks[1].started >= .checks[0].finished" r1/results.json >/dev/null &&
	"$XPV_TEST" run side.yaml --out r2 -v 2>errv &&
	grep -Eq " resources: CPU [0-9]+\.[0-9]{3} s \(user [0-9.]+ s, system [0-9.]+ s\), peak memory [1-9][0-9]*\.[0-9] MB$" errv &&
	! grep -q "resources:" err &&
	expect_code 2 "$XPV_TEST" run side.yaml -j 0 2>errj &&
	grep -q "run: --jobs takes a number from 1 to 16, got .0." errj
'

test_done
