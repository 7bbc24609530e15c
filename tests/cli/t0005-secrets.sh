#!/usr/bin/env bash
# Secrets never reach the console or any report, even when a check (or a
# server) echoes them; inline passwords are accepted with a warning.
. "$(dirname "$0")/lib.sh"

test_expect_success 'a secret echoed by a check is redacted everywhere' '
	export XPV_CLI_PW="Sup3r-secret-pw" &&
	printf "%s\n" "file-secret-pw" >pw.txt &&
	write_scenario s.yaml <<-YAML &&
	winrm: {transport: https, auth: basic, username: admin, password_env: XPV_CLI_PW}
	login: {username: admin, password_file: pw.txt}
	checks: {params: {t-nodes: {echo_secret: true, fail_node: node1}}}
	YAML
	expect_code 1 "$XPV_TEST" run s.yaml --out r -v >out 2>err &&
	grep -q "password=\[REDACTED\]" err &&
	grep -q "password=\[REDACTED\]" r/results.json &&
	! grep -rq "Sup3r-secret-pw" r out err &&
	! grep -rq "file-secret-pw" r out err
'

test_expect_success 'an inline password is accepted with a warning in every report' '
	write_scenario inline.yaml <<-YAML &&
	winrm: {transport: https, auth: basic, username: admin, password: "inl1ne-pw"}
	YAML
	"$XPV_TEST" run inline.yaml --out r 2>err &&
	grep -q "warning: winrm.password is written inline in the scenario" err &&
	test "$(json_get r/results.json ".warnings | length")" = 1 &&
	grep -q "winrm.password is written inline" r/junit.xml &&
	grep -q "winrm.password is written inline" r/report.html &&
	! grep -rq "inl1ne-pw" r err
'

test_done
