# Test library for the command-line tests, in the manner of git's t/:
# every step inside test_expect_success, TAP output, a missing
# prerequisite skips visibly. Source it, then call test_done at the end.
set -u

: "${XPV:?XPV must name the xpverify binary}"
: "${XPV_TEST:?XPV_TEST must name the xpverify-test binary}"
: "${XPV_TEST_DATA:?}"
: "${XPV_SRC:?}"

test_count=0
test_failed=0
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/xpv-cli-XXXXXX")
trap 'rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1

# test_expect_success DESCRIPTION BODY: each result line says how long the
# body took (where a loaded CI run spends its time). A failure prints the body's output
# and the last commands it ran with their values expanded (xtrace), so that
# `test "$(jq ...)" = 4` shows what was expected and what was observed:
# "+ test 3 = 4".
test_expect_success() {
	local start=$SECONDS

	test_count=$((test_count + 1))
	if (
		set -e
		lab_ports
		exec 9>"$TRASH/.trace"
		BASH_XTRACEFD=9
		set -x
		eval "$2"
	) >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1 ($((SECONDS - start)) s)"
	else
		echo "not ok $test_count - $1 ($((SECONDS - start)) s)"
		sed 's/^/#   /' "$TRASH/.out"
		echo "#   -- the last commands, expected and observed values expanded:"
		grep -v "^+* *\(sleep\|seq\|: \)" "$TRASH/.trace" | tail -8 | sed 's/^/#   /'
		test_failed=$((test_failed + 1))
	fi
}

# test_skip DESCRIPTION WHY
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

test_done() {
	echo "1..$test_count"
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}

# expect_code WANT CMD...: runs CMD, fails unless it exits WANT.
expect_code() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

# A two-node scenario for the test checks; extra YAML lines from stdin.
write_scenario() {
	{
		cat <<YAML
name: cli test
cluster: {name: xpcluster, role: ms-role, address: 'https://ms-role.lab.local'}
nodes:
  - {name: node1, host: 127.0.10.1}
  - {name: node2, host: 127.0.10.2}
YAML
		cat
	} >"$1"
}

# wait_for FILE PATTERN [SECONDS]: waits until FILE contains PATTERN.
wait_for() {
	for _ in $(seq 1 $((${3:-10} * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1" >&2
	return 1
}

# json_get FILE FILTER: a value from a JSON file (jq).
json_get() {
	jq -r "$2" "$1"
}

# ---- the lab -------------------------------------------------------------

# Test bodies run in subshells: the lab's pid is kept in a file, so the
# EXIT trap of the script can always stop it.
LAB_PID_FILE="$TRASH/.lab.pid"

# start_lab LABFILE [XPLAB ARGS...]: starts xplab with state in ./lab-state
# and events in ./lab-events.jsonl, and waits for its ready file.
start_lab() {
	: "${XPLAB:?XPLAB must name the xplab binary}"
	stop_lab
	rm -rf lab-state lab-events.jsonl
	case " $* " in
	*" --port-offset "*) ;;
	*) set -- "$@" --port-offset auto ;; # other labs may run on this machine
	esac
	"$XPLAB" "$@" --state-dir lab-state --events lab-events.jsonl 2>lab.err &
	echo $! >"$LAB_PID_FILE"
	# a 64-node lab makes 64 keys: slow under ASan on a loaded machine
	for _ in $(seq 1 600); do
		[ -f lab-state/ready.json ] && lab_ports && return 0
		kill -0 "$(lab_pid)" 2>/dev/null || break
		sleep 0.1
	done
	echo "the lab did not get ready within 60 s:" >&2
	cat lab.err >&2
	return 1
}

# start_basic_lab LABFILE [XPLAB ARGS...]: the same lab with Basic enabled
# over HTTPS (the winrm-basic-enabled fault), for tests that talk to it
# with Basic: curl -u, pywinrm's basic transport, probe with XPV_WINRM_AUTH=basic.
start_basic_lab() {
	local lab=$1

	shift
	case $lab in /*) ;; *) lab=$PWD/$lab ;; esac
	printf "base: %s\nfaults:\n  - {type: winrm-basic-enabled}\n" "$lab" >basic-lab.yaml
	start_lab basic-lab.yaml "$@"
}

lab_pid() {
	cat "$LAB_PID_FILE" 2>/dev/null
}

# stop_lab: SIGTERM, then wait (bounded) until the process is gone.
stop_lab() {
	local pid

	pid=$(lab_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$LAB_PID_FILE"
}

trap 'stop_lab; rm -rf "$TRASH"' EXIT

# lab_events EVENT: the lab's events of that name, one JSON object a line.
lab_events() {
	jq -c "select(.event == \"$1\")" lab-events.jsonl
}

# wait_event EVENT [SECONDS]: waits until the lab wrote EVENT.
wait_event() {
	wait_for lab-events.jsonl "\"event\":\"$1\"" "${2:-20}"
}

# ms_between A B: milliseconds from the first event A to the first event B.
ms_between() {
	jq -s "(map(select(.event == \"$2\"))[0].t_us - map(select(.event == \"$1\"))[0].t_us) / 1000 | floor" lab-events.jsonl
}

# The healthy lab's accounts and names (fixtures/labs/healthy.yaml). probe
# --host talks Basic over HTTPS unless a test says otherwise (start_basic_lab).
export XPV_WINRM_USER=labadmin XPV_WINRM_PASSWORD=lab-Winrm-2026
export XPV_WINRM_AUTH=basic XPV_WINRM_TRANSPORT=https
LAB_REALM=LAB.LOCAL
LAB_LOGIN_USER=xpadmin
LAB_LOGIN_PASSWORD=lab-Login-2026
ROLE_HOST=ms-role.lab.local

# lab_ports: the ports the running lab took (its ready file; start_lab
# asks for free ones), as WINRM_PORT, WINRM_HTTP_PORT, HTTPS_PORT, LAB_KDC,
# CONSOLE_PORT (a SafeKit pair's web console)
# and ROLE_PIN (curl --resolve for the cluster address). Every test body
# starts with it, so a lab started in one body serves the next.
lab_ports() {
	local ready=lab-state/ready.json

	[ -f "$ready" ] || return 0
	WINRM_PORT=$(jq -r .ports.winrm "$ready")
	WINRM_HTTP_PORT=$(jq -r '.ports.winrm_http // empty' "$ready")
	HTTPS_PORT=$(jq -r .ports.https "$ready")
	LAB_KDC=$(jq -r '.domain.kdc // empty' "$ready")
	CONSOLE_PORT=$(jq -r '.ports.safekit_console // empty' "$ready")
	ROLE_PIN="$ROLE_HOST:$HTTPS_PORT:$(jq -r .cluster.role_address "$ready")"
}

# wql NODE_ADDRESS QUERY [NAMESPACE]: rows (JSON) from the running lab.
wql() {
	"$XPV" probe wql --host "$1:$WINRM_PORT" --ca lab-state/ca.pem ${3:+--namespace "$3"} "$2"
}

# svc NODE_ADDRESS SERVICE: its "StartMode/State" on that node.
svc() {
	wql "$1" "select StartMode,State from Win32_Service where Name = '$2'" | jq -r '.[0].StartMode + "/" + .[0].State'
}

# soap NODE_ADDRESS FILE: posts a hand-written SOAP request with curl.
soap() {
	curl -sS --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data-binary @"$2" \
		"https://$1:$WINRM_PORT/wsman"
}

# login USER PASSWORD: the token endpoint's answer through the cluster address.
login() {
	curl -sS --cacert lab-state/ca.pem --resolve "$ROLE_PIN" \
		--data-urlencode grant_type=password --data-urlencode "username=$1" \
		--data-urlencode "password=$2" --data-urlencode client_id=GrantValidatorClient \
		"https://$ROLE_HOST:$HTTPS_PORT/IDP/connect/token"
}
