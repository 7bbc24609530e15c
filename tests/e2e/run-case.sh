#!/usr/bin/env bash
# run-case.sh CASE.yaml: one end-to-end case. The case names a lab file
# (fixtures/labs), its topology (wsfc unless 'topology'), a failover
# method, overrides of the failover and tls settings ('failover', 'tls'), and what must come out: the verdict
# of every check and the exit code. xpverify runs the whole suite against
# the lab (which it starts itself); the reports must be complete and valid.
# With 'accuracy: true' the measured stages are compared with the lab's
# ground truth in the same run. 'winrm' sets how the nodes are reached
# (auth, transport), 'login' how clients log in (method), 'deadline_s' the
# run's deadline; 'messages' lists
# patterns that some result's message must match, 'evidence' patterns that
# must be found in the run's transcripts (which mechanism, which error)
# or in what a SafeKit pair logged (evidence safekit/).
. "$(dirname "$0")/../cli/lib.sh"

case_file=$1
name=$(basename "$case_file" .yaml)
/usr/bin/python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' \
	"$case_file" >case.json
lab=$(jq -r .lab case.json)
method=$(jq -r '.method // "restart-owner"' case.json)
topology=$(jq -r '.topology // "wsfc"' case.json)
tls=$(jq -c '{require_ip_san: true} + (.tls // {})' case.json)
failover=$(jq -c --arg m "$method" '{method: $m, takeover_max_s: 4, poll_ms: 250, timeout_s: 10} + (.failover // {})' case.json)
winrm=$(jq -c '{connect_timeout_s: 2, request_timeout_s: 4} + (.winrm // {})' case.json)
login=$(jq -c 'if .login then "login: \(.login | tojson)" else "" end' case.json | jq -r .)
deadline=$(jq -r 'if .deadline_s then "deadline_s: \(.deadline_s)" else "" end' case.json)

cat >scenario.yaml <<YAML
name: e2e $name
lab: $XPV_LABS/$lab
tls: $tls
winrm: $winrm
$login
$deadline
topology: $topology
failover: $failover
checks: {params: {failover-takeover: {settle_s: 2}}}
YAML

test_expect_success "$name: exit code and the verdict of every check" '
	set +e; "$XPV" run scenario.yaml --out r --evidence ev -q 2>err; code=$?; set -e
	cat err
	test "$code" = "$(jq -r .expect.exit case.json)" || { echo "exit $code"; jq -c "[.checks[] | {(.id): .verdict}] | add" r/results.json; exit 1; }
	for id in $(jq -r ".expect.checks | keys[]" case.json); do
		want=$(jq -r ".expect.checks[\"$id\"]" case.json)
		got=$(jq -r ".checks[] | select(.id == \"$id\") | .verdict" r/results.json)
		if [ "$got" != "$want" ]; then
			echo "$id: want $want, got $got"
			jq -r ".checks[] | select(.id == \"$id\") | .results[] | \"  \" + .target + \": \" + .verdict + \": \" + .message" r/results.json
			exit 1
		fi
	done
	test "$(jq ".checks | length" r/results.json)" = "$(jq ".expect.checks | length" case.json)"
'

test_expect_success "$name: every report written and valid" '
	xmllint --noout --schema "$XPV_TEST_DATA/junit/JUnit.xsd" r/junit.xml &&
	xmllint --noout --schema "$XPV_TEST_DATA/junit/junit-10.xsd" r/junit.xml &&
	/usr/bin/python3 "$XPV_SRC/tests/validate-results.py" "$XPV_SRC/docs/results.schema.json" r/results.json &&
	test "$(jq -r .scenario.topology r/results.json)" = "$topology" &&
	if [ "$topology" = safekit ]; then
		grep -q "<td>Management Server Failover (SafeKit mirror module)</td>" r/report.html
	else
		grep -q "<td>Windows Server Failover Clustering</td>" r/report.html
	fi &&
	grep -q "</html>" r/report.html &&
	test -s r/lab-events.jsonl &&
	! grep -rq "lab-Winrm-2026\|lab-Login-2026" r ev err
'

for want in $(jq -r '.expect.results // {} | to_entries[] | @base64' case.json); do
	row=$(echo "$want" | base64 -d)
	test_expect_success "$name: $(echo "$row" | jq -r .key)" '
		key=$(echo "$row" | jq -r .key)
		target=${key#*/}
		check=${key%%/*}
		got=$(jq -r ".checks[] | select(.id == \"$check\") | .results[] | select(.target == \"$target\") | .verdict" r/results.json)
		test "$got" = "$(echo "$row" | jq -r .value)" || { echo "got \"$got\""; exit 1; }
	'
done

for pattern in $(jq -r '.expect.messages // [] | .[] | @base64' case.json); do
	pattern=$(echo "$pattern" | base64 -d)
	test_expect_success "$name: a result says '$pattern'" '
		jq -r ".checks[].results[].message" r/results.json >messages &&
		grep -qE -- "$pattern" messages || { cat messages; exit 1; }
	'
done

for pattern in $(jq -r '.expect.evidence // [] | .[] | @base64' case.json); do
	pattern=$(echo "$pattern" | base64 -d)
	test_expect_success "$name: the transcripts show '$pattern'" '
		grep -rqsE -- "$pattern" ev/*/transcripts/ ev/*/safekit/ || { ls ev/*/transcripts/; exit 1; }
	'
done

if [ "$(jq -r '.accuracy // false' case.json)" = true ]; then
test_expect_success "$name: measured stages agree with the lab's ground truth (within 500 ms)" '
	figs=$(jq -c ".checks[] | select(.id == \"failover-takeover\") | .results[] | select(.target == \"takeover-time\") | .figures" r/results.json) &&
	t0=$(jq -s "map(select(.event == \"trigger\"))[0].t_us" r/lab-events.jsonl) &&
	truth() { jq -s "map(select(.event == \"$1\" and .t_us >= $t0))[0].t_us" r/lab-events.jsonl; } &&
	for pair in login_up:login_available owner_changed:owner_changed login_down:login_unavailable; do
		ours=$(echo "$figs" | jq -r ".[\"stage_us.${pair%%:*}\"]")
		theirs=$(truth "${pair#*:}")
		diff=$(( (ours - theirs) / 1000 ))
		echo "${pair%%:*}: measured - truth = $diff ms"
		[ "${diff#-}" -le 500 ] || exit 1
	done
'
fi

test_done
