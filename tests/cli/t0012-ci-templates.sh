#!/usr/bin/env bash
# The CI templates of ci/examples: they parse, every xpverify command and
# option they use exists, each publishes JUnit and flags exit 3 apart from
# exit 1; and the checker catches a template that is wrong.
. "$(dirname "$0")/lib.sh"

check() {
	/usr/bin/python3 "$XPV_SRC/tests/check-ci-templates.py" "$XPV" "$1"
}

test_expect_success 'the shipped templates pass' '
	check "$XPV_SRC/ci/examples"
'

test_expect_success 'a template with an option xpverify lacks, a broken Jenkinsfile, or no exit-3 handling is caught' '
	mkdir bad &&
	sed "s/--evidence/--evidense/" "$XPV_SRC/ci/examples/gitlab-ci.yml" >bad/gitlab-ci.yml &&
	sed "0,/}/s/}//" "$XPV_SRC/ci/examples/Jenkinsfile" >bad/Jenkinsfile &&
	sed "s/-eq 3/-eq 4/" "$XPV_SRC/ci/examples/github-actions.yml" >bad/github-actions.yml &&
	expect_code 1 check bad >out &&
	cat out &&
	grep -q "^gitlab-ci.yml: .xpverify run. has no option --evidense" out &&
	grep -q "^Jenkinsfile: 1 bracket(s) never closed" out &&
	grep -q "^github-actions.yml: exit 3 is not handled" out
'

test_done
