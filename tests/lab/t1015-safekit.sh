#!/usr/bin/env bash
# A SafeKit pair in the lab answers clients we did not write as SafeKit
# documents: pywinrm runs the safekit command and reads its exit codes
# and resources, curl reads the health URL, openssl the web console's
# certificate; the module stopped, started and swapped moves the role.
. "$(dirname "$0")/../cli/lib.sh"

PY=/usr/bin/python3

test_expect_success 'start the SafeKit lab pair' '
	# a resync long enough to be seen under load
	sed "s/^  resync_ms: .*/  resync_ms: 6000/" "$XPV_LABS/safekit.yaml" >slow-resync.yaml &&
	start_basic_lab slow-resync.yaml &&
	test -n "$CONSOLE_PORT" &&
	test "$(jq -r .nodes[0].name lab-state/ready.json)" = XPSK1
'

# sk NODE_ADDRESS ARGS...: runs safekit on the node with pywinrm; prints
# stdout, then "exit N".
sk() {
	local host=$1

	shift
	"$PY" - "$host" "$WINRM_PORT" "$@" <<-'EOF'
	import sys, winrm
	host, port, args = sys.argv[1], sys.argv[2], sys.argv[3:]
	s = winrm.Session("https://%s:%s/wsman" % (host, port), auth=("labadmin", "lab-Winrm-2026"), transport="basic",
	                  server_cert_validation="validate", ca_trust_path="lab-state/ca.pem")
	r = s.run_cmd("safekit", args)
	sys.stdout.write(r.std_out.decode() + r.std_err.decode())
	print("exit %d" % r.status_code)
	EOF
}

# ready NODE_ADDRESS: the health URL's status and body.
ready() {
	curl -sS -k -o body -w "%{http_code}" "https://$1:$CONSOLE_PORT/var/modules/AM/ready.txt" && echo " $(tr -d "\r\n" <body)"
}

if "$PY" -c "import winrm" 2>/dev/null; then
test_expect_success 'pywinrm: state -lq exits with the state (PRIM 3, SECOND 4), get prints one resource' '
	sk 127.0.10.11 state -m AM -lq >out && grep -q "^exit 3$" out && grep -q "^PRIM" out &&
	sk 127.0.10.12 state -m AM -lq >out && grep -q "^exit 4$" out &&
	sk 127.0.10.12 get -m AM -r rfs.uptodate >out && test "$(head -1 out | tr -d "\r")" = up &&
	sk 127.0.10.12 get -m AM -r state.remote >out && test "$(head -1 out | tr -d "\r")" = PRIM &&
	sk 127.0.10.11 get -m AM -r heartbeat.default >out && test "$(head -1 out | tr -d "\r")" = up &&
	sk 127.0.10.11 module list >out && test "$(head -1 out | tr -d "\r")" = AM &&
	sk 127.0.10.11 level >out && grep -q "^SafeKit: 8.2.5.3" out &&
	sk 127.0.10.11 state -m NOPE -lq >out && grep -q "^exit 1$" out && grep -q "Module NOPE not found" out &&
	sk 127.0.10.11 get -m AM -r no.such >out && grep -q "^exit 1$" out
'
fi

test_expect_success 'curl: ready.txt is OK on the PRIM, NOT FOUND on the SECOND' '
	test "$(ready 127.0.10.11)" = "200 OK" &&
	test "$(ready 127.0.10.12)" = "404 NOT FOUND"
'

test_expect_success 'openssl: the web console serves a five-year certificate naming the node' '
	openssl s_client -connect 127.0.10.12:$CONSOLE_PORT -servername xpsk2.lab.local </dev/null 2>/dev/null |
		openssl x509 -noout -enddate -ext subjectAltName >cert.txt &&
	grep -q "DNS:xpsk2.lab.local" cert.txt &&
	end=$(date -d "$(sed -n "s/^notAfter=//p" cert.txt)" +%s) &&
	test $(( (end - $(date +%s)) / 86400 )) -ge 1800
'

test_expect_success 'SafeKit'"'"'s lines in the Application event log, TimeGenerated compared as a datetime' '
	q="select TimeGenerated,Message from Win32_NTLogEvent where Logfile = '"'"'Application'"'"' and SourceName = '"'"'Evidian.SafeKit'"'"'" &&
	wql 127.0.10.12 "$q and TimeGenerated >= '"'"'20200101000000.000000+000'"'"'" >past.json &&
	jq -r ".[].Message" past.json | grep -q "^AM | heart | Local state SECOND Ready$" &&
	wql 127.0.10.12 "$q and TimeGenerated >= '"'"'20990101000000.000000+000'"'"'" >future.json &&
	test "$(jq length future.json)" = 0 &&
	# the first line'"'"'s second written an hour east of UTC (+060): still at or before it
	first=$(jq -r ".[0].TimeGenerated" past.json) &&
	east=$(date -u -d "@$(( $(date -u -d "$first" +%s) + 3600 ))" +%Y%m%d%H%M%S) &&
	wql 127.0.10.12 "$q and TimeGenerated >= '"'"'$east.000000+060'"'"'" >east.json &&
	test "$(jq length east.json)" -ge 1 &&
	wql 127.0.10.12 "$q and TimeGenerated >= '"'"'$east.000000+000'"'"'" >utc.json &&
	test "$(jq length utc.json)" = 0
'

test_expect_success 'no Windows cluster on a SafeKit node: root/MSCluster does not answer' '
	! wql 127.0.10.11 "select Name from MSCluster_Node" root/mscluster 2>err &&
	test "$(wql 127.0.10.11 "select Name,State from Win32_Service where Name = '"'"'safeadmin'"'"'" | jq -r ".[0].State")" = Running
'

if "$PY" -c "import winrm" 2>/dev/null; then
test_expect_success 'safekit stop on the PRIM: the SECOND takes over as ALONE, ready.txt follows' '
	sk 127.0.10.11 stop -m AM >out && grep -q "^exit 0$" out &&
	wait_event role_online 10 &&
	sk 127.0.10.11 state -m AM -lq >out && grep -q "^exit 0$" out &&
	sk 127.0.10.12 state -m AM -lq >out && grep -q "^exit 2$" out &&
	sk 127.0.10.12 get -m AM -r rfs.degraded >out && test "$(head -1 out | tr -d "\r")" = up &&
	test "$(ready 127.0.10.12)" = "200 OK" &&
	test "$(ready 127.0.10.11)" = "404 NOT FOUND" &&
	test "$(svc 127.0.10.12 "Milestone XProtect Management Server")" = Manual/Running &&
	test "$(svc 127.0.10.11 "Milestone XProtect Management Server")" = Manual/Stopped
'

test_expect_success 'safekit start: the old primary rejoins as SECOND, up to date after resync_ms; swap needs it' '
	sk 127.0.10.11 start -m AM >out && grep -q "^exit 0$" out &&
	sk 127.0.10.11 state -m AM -lq >out && grep -q "^exit 4$" out &&
	sk 127.0.10.11 get -m AM -r rfs.uptodate >out && test "$(head -1 out | tr -d "\r")" = down &&
	sk 127.0.10.12 swap -m AM >out && grep -q "^exit 1$" out &&
	for _ in $(seq 1 40); do
		sk 127.0.10.11 get -m AM -r rfs.uptodate >out
		[ "$(head -1 out | tr -d "\r")" = up ] && break
		sleep 0.5
	done &&
	test "$(head -1 out | tr -d "\r")" = up &&
	sk 127.0.10.12 state -m AM -lq >out && grep -q "^exit 3$" out &&
	sk 127.0.10.12 swap -m AM >out && grep -q "^exit 0$" out &&
	wait_for lab-events.jsonl "\"event\":\"move_done\"" 10 &&
	sk 127.0.10.11 state -m AM -lq >out && grep -q "^exit 3$" out &&
	test "$(ready 127.0.10.11)" = "200 OK"
'
fi

if "$PY" -c "import winrm" 2>/dev/null; then
test_expect_success 'failover off: a stopped PRIM is not taken over; second refuses, prim takes the role back' '
	printf "base: %s\nfaults:\n  - {type: winrm-basic-enabled}\n  - {type: safekit-failover-off}\n" \
		"$XPV_LABS/safekit.yaml" >off.yaml &&
	start_lab off.yaml &&
	sk 127.0.10.11 get -m AM -r usersetting.failover >out && test "$(head -1 out | tr -d "\r")" = off &&
	sk 127.0.10.11 stop -m AM >out && grep -q "^exit 0$" out &&
	wait_event safekit_stopped 10 && sleep 0.5 &&
	sk 127.0.10.12 state -m AM -lq >out && grep -q "^exit 4$" out &&
	test "$(ready 127.0.10.12)" = "404 NOT FOUND" &&
	sk 127.0.10.11 second -m AM >out && grep -q "^exit 1$" out && grep -q "the other server is not primary" out &&
	sk 127.0.10.11 prim -m AM >out && grep -q "^exit 0$" out &&
	wait_for lab-events.jsonl "\"event\":\"role_online\"" 10 &&
	sk 127.0.10.11 state -m AM -lq >out && grep -q "^exit 3$" out &&
	test "$(ready 127.0.10.11)" = "200 OK"
'
fi

test_expect_success 'an exit code that is not SafeKit'"'"'s is no state: cmd.exe'"'"'s 1 for a missing command is not WAIT' '
	printf "name: t\nlab: %s\ntopology: safekit\nsafekit: {module: AM, command: nosuchsafekit}\n" \
		"$XPV_LABS/safekit.yaml" >missing.yaml &&
	expect_code 3 "$XPV" run missing.yaml --out rm --only safekit-states -q 2>/dev/null &&
	jq -r ".checks[].results[].message" rm/results.json >msgs &&
	cat msgs &&
	grep -q "safekit state -m AM -lq on XPSK1 exited 1 and printed .*, not a module state: .nosuchsafekit. is not recognized" msgs
'

test_expect_success 'a SafeKit lab file refuses a WSFC fault, a WSFC one a SafeKit fault' '
	printf "base: %s\nfaults:\n  - {type: node-down, node: XPSK2}\n" "$XPV_LABS/safekit.yaml" >bad1.yaml &&
	expect_code 2 "$XPLAB" bad1.yaml 2>err1 &&
	grep -q "fault node-down does not apply to a safekit lab" err1 &&
	printf "base: %s\nfaults:\n  - {type: safekit-split-brain}\n" "$XPV_LABS/healthy.yaml" >bad2.yaml &&
	expect_code 2 "$XPLAB" bad2.yaml 2>err2 &&
	grep -q "fault safekit-split-brain does not apply to a wsfc lab" err2
'

test_expect_success 'a scenario whose topology is not its lab'"'"'s is refused, exit 2' '
	printf "name: t\nlab: %s\n" "$XPV_LABS/safekit.yaml" >s.yaml &&
	expect_code 2 "$XPV" run s.yaml --out r 2>err &&
	grep -q "is a SafeKit lab, but the scenario'"'"'s topology is wsfc: set topology: safekit" err
'

test_done
