#!/usr/bin/env bash
# Labs side by side on one machine: --port-offset auto takes ports no other
# lab holds, a lab keeps its ports while a node restarts, a lab that cannot
# have its ports says so and exits 1 at once.
. "$(dirname "$0")/../cli/lib.sh"

# other_lab DIR [ARGS...]: a second lab in DIR, waits for its ready file.
other_lab() {
	local dir=$1

	shift
	"$XPLAB" "$XPV_LABS/healthy.yaml" --state-dir "$dir" "$@" 2>"$dir.err" &
	echo $! >"$dir.pid"
	wait_for "$dir/ready.json" "" 60 || { cat "$dir.err"; return 1; }
}

stop_other() {
	kill -TERM "$(cat "$1.pid")" 2>/dev/null
	wait "$(cat "$1.pid")" 2>/dev/null || true
}

test_expect_success 'two labs with auto take different ports, and both answer' '
	start_basic_lab "$XPV_LABS/healthy.yaml" &&
	other_lab b --port-offset auto &&
	a=$(jq .ports.winrm lab-state/ready.json) && b=$(jq .ports.winrm b/ready.json) &&
	echo "a: $a, b: $b" &&
	test "$a" != "$b" &&
	test $((b % 10)) = 6 && test $((a % 10)) = 6 &&
	"$XPV" probe wql --host "127.0.10.1:$a" --ca lab-state/ca.pem "select Name from Win32_ComputerSystem" |
		jq -e ".[0].Name == \"XPNODE1\"" &&
	test "$(jq -r .ports.offset b/ready.json)" = $((b - 15986)) &&
	test "$(jq -r ".nodes[1].winrm_port" b/ready.json)" = "$b" &&
	test "$(jq -r .cluster.address b/ready.json)" = "https://ms-role.lab.local:$(jq .ports.https b/ready.json)"
'
stop_other b

test_expect_success 'a lab asked for ports another lab holds exits 1 at once, naming them' '
	off=$(jq .ports.offset lab-state/ready.json) &&
	start=$(date +%s%N) &&
	expect_code 1 "$XPLAB" "$XPV_LABS/healthy.yaml" --state-dir c --port-offset "$off" 2>err &&
	test $((($(date +%s%N) - start) / 1000000)) -lt 5000 &&
	grep -q "^xplab: error: another lab runs on these ports (WinRM port $WINRM_PORT)" err &&
	test ! -e c/ready.json
'

test_expect_success 'a port something else listens on: refused when asked for, skipped by auto' '
	cat >listen.py <<-EOF &&
	import socket, sys, time
	s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.10.2", int(sys.argv[1]))); s.listen(1)
	open("listening", "w").close(); time.sleep(60)
	EOF
	# the HTTPS port of an offset no lab holds yet: 3000 up
	port=$((10443 + 3000)) &&
	{ /usr/bin/python3 listen.py $port & echo $! >py.pid; } &&
	wait_for listening "" 10 &&
	set +e; "$XPLAB" "$XPV_LABS/healthy.yaml" --state-dir d --port-offset 3000 2>err; code=$?; set -e &&
	kill "$(cat py.pid)" &&
	cat err && test "$code" = 1 &&
	grep -q "^xplab: error: cannot listen on 127.0.10.2:$port: the port is in use" err
'

test_expect_success 'a lab keeps its ports while a node restarts: a new lab does not take them' '
	"$XPV" probe exec --host "127.0.10.1:$WINRM_PORT" --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event node_off &&
	! "$XPV" probe wql --host "127.0.10.1:$WINRM_PORT" --ca lab-state/ca.pem "select Name from Win32_Service" 2>/dev/null &&
	other_lab e --port-offset auto &&
	test "$(jq .ports.winrm e/ready.json)" != "$WINRM_PORT" &&
	wait_event node_up
'
stop_other e

test_expect_success 'a bad --port-offset is a usage error' '
	expect_code 2 "$XPLAB" "$XPV_LABS/healthy.yaml" --port-offset -3 2>err &&
	grep -q "neither a number of 0 or more nor .auto." err &&
	expect_code 2 "$XPLAB" "$XPV_LABS/healthy.yaml" --port-offset 60000 2>err &&
	grep -q "takes the lab.s ports out of range" err
'

test_done
