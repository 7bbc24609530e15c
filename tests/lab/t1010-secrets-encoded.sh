#!/usr/bin/env bash
# Passwords as real ones are (& < ' " % + é and spaces) reach no output in
# any form they take on the wire: raw, URL-encoded (%20 or +, either case
# of hex), JSON-escaped, XML-escaped, base64. A run against the lab with
# such a login password, and a scenario with such an inline password, are
# searched byte by byte: reports, evidence (directory and archive), stderr.
. "$(dirname "$0")/../cli/lib.sh"

LOGIN_PW="W& <'\"%+é x-Login"
WINRM_PW="Q& <'\"%+é y-Winrm"

# every_form PASSWORD: one form a line
every_form() {
	/usr/bin/python3 - "$1" <<'EOF'
import base64, json, sys, urllib.parse
from xml.sax.saxutils import escape
pw = sys.argv[1]
forms = {pw, urllib.parse.quote(pw, safe=""), urllib.parse.quote_plus(pw),
         urllib.parse.quote(pw, safe="").lower(), json.dumps(pw)[1:-1],
         json.dumps(pw, ensure_ascii=True)[1:-1], json.dumps(pw, ensure_ascii=False)[1:-1],
         escape(pw), escape(pw, {'"': "&quot;"}), escape(pw, {'"': "&quot;", "'": "&apos;"}),
         base64.b64encode(pw.encode()).decode()}
for f in sorted(forms):
    print(f)
EOF
}

# search PASSWORD DIR...: fails naming the form found, in the directories,
# the archives inside them and err; $EXTRA_FORM is searched too
search() {
	every_form "$1" >forms
	[ -z "${EXTRA_FORM:-}" ] || printf "%s\n" "$EXTRA_FORM" >>forms
	shift
	while IFS= read -r form; do
		if grep -raF -- "$form" "$@" err; then echo "found: $form"; return 1; fi
		for a in $(find "$@" -name "*.tar.gz"); do
			if tar -xzOf "$a" | grep -aqF -- "$form"; then echo "found in $a: $form"; return 1; fi
		done
	done <forms
}

test_expect_success 'a login password with & < quote % + é and spaces: in no output, in no form' '
	/usr/bin/python3 - "$XPV_LABS/healthy.yaml" "$LOGIN_PW" >lab.yaml <<-"EOF" &&
	import sys, yaml
	lab = yaml.safe_load(open(sys.argv[1]))
	lab["credentials"]["login_password"] = sys.argv[2]
	print(yaml.safe_dump(lab, allow_unicode=True))
	EOF
	cat >s.yaml <<-YAML &&
	name: encoded secrets
	lab: lab.yaml
	checks: {exclude: [failover-takeover]}
	YAML
	"$XPV" run s.yaml --out r --evidence ev -v 2>err &&
	test "$(jq -r ".checks[] | select(.id == \"login-cluster-address\") | .verdict" r/results.json)" = pass &&
	grep -q "password=\[REDACTED\]" ev/*/transcripts/cluster-address.txt &&
	search "$LOGIN_PW" r ev
'

test_expect_success 'an inline scenario password written with YAML quoting: in no output, in no form' '
	write_scenario q.yaml <<-YAML &&
	winrm: {transport: https, auth: basic, username: u, password: '"'"'Q& <'"'"''"'"'"%+é y-Winrm'"'"'}
	checks: {params: {t-nodes: {echo_secret: true}}}
	YAML
	"$XPV_TEST" run q.yaml --out r2 --evidence ev2 -v 2>err &&
	test "$(jq -r .scenario.winrm.password ev2/*/environment.json)" = "[REDACTED]" &&
	EXTRA_FORM="Q& <'"'"''"'"'\"%+é y-Winrm" search "$WINRM_PW" r2 ev2
'

test_done
