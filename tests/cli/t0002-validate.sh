#!/usr/bin/env bash
# xpverify validate: the plan for a valid scenario, exact positioned errors
# and exit 2 for an invalid one, and nothing written either way.
. "$(dirname "$0")/lib.sh"

test_expect_success 'valid scenario prints what would run' '
	write_scenario s.yaml <<-YAML &&
	failover: {allow_disruptive: true}
	YAML
	"$XPV_TEST" validate s.yaml >out &&
	grep -qx "s.yaml: valid scenario '"'"'cli test'"'"'" out &&
	grep -qE "^would run  t-cluster +Test check with one cluster-wide result" out &&
	grep -qE "^would skip t-disruptive +disruptive check: the command line does not say --allow-disruptive" out &&
	"$XPV_TEST" validate s.yaml --allow-disruptive --skip t-nodes >out2 &&
	grep -qE "^would run  t-disruptive" out2 &&
	grep -qE "^would skip t-nodes +excluded by --skip" out2 &&
	test ! -e xpverify-reports
'

test_expect_success 'invalid scenario: every problem, positioned, exit 2, nothing else' '
	write_scenario bad.yaml <<-YAML &&
	winrm:
	  port: 0
	  auth: spnego
	reports: {dir: rep}
	YAML
	expect_code 2 "$XPV_TEST" validate bad.yaml >out 2>err &&
	test ! -s out &&
	cat >want <<-EOF &&
	bad.yaml:7:9: winrm.port: must be between 1 and 65535, got 0
	bad.yaml:8:9: winrm.auth: expected one of negotiate, basic, kerberos, ntlm, got '"'"'spnego'"'"'
	xpverify: bad.yaml is not a valid scenario (2 problems); nothing was run
	EOF
	diff -u want err
'

test_expect_success 'run with an invalid scenario writes nothing' '
	expect_code 2 "$XPV_TEST" run bad.yaml 2>err &&
	grep -q "^bad.yaml:7:9: winrm.port" err &&
	test ! -e rep && test ! -e xpverify-reports
'

test_expect_success 'missing scenario file' '
	expect_code 2 "$XPV_TEST" validate nope.yaml 2>err &&
	grep -qx "nope.yaml: cannot read: No such file or directory" err
'

test_expect_success 'unset secret variable names file, line and key' '
	write_scenario sec.yaml <<-YAML &&
	winrm: {transport: https, auth: basic, username: u, password_env: XPV_CLI_UNSET_PW}
	YAML
	unset XPV_CLI_UNSET_PW &&
	expect_code 2 "$XPV_TEST" validate sec.yaml 2>err &&
	grep -qx "sec.yaml:6:67: winrm.password_env: environment variable XPV_CLI_UNSET_PW is not set" err
'

test_expect_success 'the documented examples are valid scenarios' '
	export XPV_WINRM_PASSWORD=example XPV_LOGIN_PASSWORD=example &&
	for f in "$XPV_SRC"/scenarios/*.yaml; do
		"$XPV" validate "$f" >/dev/null || { echo "invalid: $f"; exit 1; }
	done
'

test_done
