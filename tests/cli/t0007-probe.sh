#!/usr/bin/env bash
# xpverify probe wql|exec against a scripted WS-Management server.
. "$(dirname "$0")/lib.sh"

export XPV_TEST_SERVER_PW="Pr0be-pass-word"

# serve REPLY...: starts the scripted server in ./srv and waits for its port.
serve() {
	rm -rf srv && mkdir srv
	"$XPV_WSMAN_SERVER" srv "$@" &
	server_pid=$!
	wait_for srv/port "" 10
	port=$(cat srv/port)
}

# unserve: stops it; requests it saw are in srv/requests.txt.
unserve() {
	kill -TERM "$server_pid"
	wait "$server_pid" || true
}

export XPV_WINRM_USER=probe XPV_WINRM_PASSWORD="$XPV_TEST_SERVER_PW"

test_expect_success 'wql prints the rows as a JSON array' '
	serve 200:enumerate-select-star.xml 200:pull-last.xml &&
	"$XPV" probe wql --host "127.0.0.1:$port" --ca srv/ca.pem "select * from Win32_Service" >rows.json &&
	unserve &&
	test "$(jq length rows.json)" = 2 &&
	test "$(jq -r ".[0].Name" rows.json)" = AeLookupSvc &&
	test "$(jq -r ".[0].InstallDate" rows.json)" = null &&
	test "$(jq -r ".[1].State" rows.json)" = Running &&
	grep -c "enumeration/Pull " srv/requests.txt
'

test_expect_success 'wql in another namespace, through a scenario' '
	serve 200:enumerate-fragment-end.xml &&
	printf "%s\n" "name: probe" \
		"cluster: {name: c, role: r, address: https://r.lab}" \
		"nodes: [{name: XPNODE1, host: 127.0.0.1}, {name: XPNODE2, host: 127.0.0.2}]" \
		"winrm: {port: $port, transport: https, auth: basic, username: probe, password_env: XPV_WINRM_PASSWORD, ca_file: srv/ca.pem}" \
		"waivers: [{check: t-nodes, reason: known, expires: 2999-01-01}]" \
		>s.yaml &&
	"$XPV_TEST" probe wql --scenario s.yaml --node xpnode1 --namespace root/mscluster "select Name,State from MSCluster_Node" >rows.json &&
	unserve &&
	test "$(jq -r ".[1].Name" rows.json)" = "XPNODE2 & <co>" &&
	test "$(jq -r ".[0].Roles[1]" rows.json)" = Server
'

test_expect_success 'exec prints stdout and stderr apart and exits with the remote code' '
	serve 200:create-response.xml 200:command-response.xml 500:fault-timed-out.xml \
		200:receive-running.xml 200:receive-done.xml 200:create-response.xml &&
	set +e; "$XPV" probe exec --host "127.0.0.1:$port" --ca srv/ca.pem -- ipconfig /all >out 2>err; code=$?; set -e &&
	unserve &&
	test "$code" = 3 &&
	printf "hello w\303\266rld\r\n\r\nWindows IP Configuration\r\n\r\n" >want &&
	cmp want out &&
	test "$(cat err)" = warn &&
	grep -q "transfer/Delete ShellId=" srv/requests.txt
'

test_expect_success 'wql errors: exit 3 with the node and the reason' '
	serve 500:fault-cannot-process-filter.xml &&
	expect_code 3 "$XPV" probe wql --host "127.0.0.1:$port" --ca srv/ca.pem "select * from Nope" 2>err &&
	unserve &&
	grep -q "^xpverify: error: 127.0.0.1 (127.0.0.1:$port): WS-Management fault 2150858778 CannotProcessFilter" err
'

test_expect_success 'wrong password: 401 named, exec exits 255' '
	serve &&
	XPV_WINRM_PASSWORD=wrong-password expect_code 255 "$XPV" probe exec --host "127.0.0.1:$port" --ca srv/ca.pem -- hostname 2>err &&
	unserve &&
	grep -q "authentication refused (HTTP 401; the server offers: Negotiate, Basic)" err
'

test_expect_success 'untrusted certificate unless --insecure' '
	serve 200:pull-last.xml &&
	expect_code 3 "$XPV" probe wql --host "127.0.0.1:$port" "select * from Win32_Service" 2>err &&
	{ grep -q "TLS failed" err || { cat err >&2; false; }; } &&
	"$XPV" probe wql --host "127.0.0.1:$port" --insecure "select * from Win32_Service" >rows.json &&
	unserve &&
	test "$(jq length rows.json)" = 1
'

test_expect_success '--trace shows the exchange without credentials' '
	serve 200:pull-last.xml &&
	"$XPV" probe wql --host "127.0.0.1:$port" --ca srv/ca.pem --trace "select * from Win32_Service" >/dev/null 2>trace &&
	unserve &&
	grep -q "Authorization: \[REDACTED\]" trace &&
	grep -q "select \* from Win32_Service" trace &&
	grep -q "< HTTP 200" trace &&
	! grep -q "$XPV_TEST_SERVER_PW" trace &&
	! grep -q "$(printf probe:%s "$XPV_TEST_SERVER_PW" | base64)" trace
'

test_expect_success 'a secret the server echoes back is redacted on stdout too' '
	serve 200:enumerate-echo-secret.xml &&
	"$XPV" probe wql --host "127.0.0.1:$port" --ca srv/ca.pem "select Name from MSCluster_Node" >rows.json &&
	unserve &&
	test "$(jq -r ".[0].Name" rows.json)" = "echo [REDACTED]" &&
	! grep -q "$XPV_TEST_SERVER_PW" rows.json
'

test_expect_success 'discover: a secret the server echoes back is in no form in the scenario or on stderr' '
	serve 200:enumerate-echo-secret.xml 200:enumerate-echo-secret.xml &&
	XPV_WINRM_AUTH=basic XPV_WINRM_TRANSPORT=https \
		"$XPV" discover --host "127.0.0.1:$port" --ca srv/ca.pem -o found.yaml 2>err &&
	unserve &&
	cat err found.yaml &&
	grep -q "^name: \"echo \[REDACTED\]\"$" found.yaml &&
	b64=$(printf %s "$XPV_TEST_SERVER_PW" | base64) &&
	! grep -q -e "$XPV_TEST_SERVER_PW" -e "$b64" found.yaml err &&
	# what the node did not answer is a TODO on one comment line each
	test "$(grep -c "^#   - " found.yaml)" -ge 2 &&
	/usr/bin/python3 -c "import sys, yaml; yaml.safe_load(open(sys.argv[1]))" found.yaml
'

test_expect_success '--trace shows no terminal escape the server sent' '
	serve "500:@$(printf "<x>\033[2J\033]0;owned\007</x>")" &&
	expect_code 3 "$XPV" probe wql --host "127.0.0.1:$port" --ca srv/ca.pem --trace "select 1" >/dev/null 2>trace &&
	unserve &&
	grep -q "< HTTP 500" trace &&
	! grep -q "$(printf "\033")" trace &&
	! grep -q "$(printf "\007")" trace
'

test_expect_success 'usage errors are exit 2' '
	expect_code 2 "$XPV" probe 2>/dev/null &&
	expect_code 2 "$XPV" probe frob 2>/dev/null &&
	expect_code 2 "$XPV" probe wql "select 1" 2>err && grep -q "either --scenario" err &&
	expect_code 2 "$XPV" probe wql --host h --scenario s.yaml "q" 2>/dev/null &&
	expect_code 2 "$XPV" probe exec --host 127.0.0.1 2>err && grep -q "missing COMMAND" err &&
	expect_code 2 "$XPV_TEST" probe wql --scenario s.yaml --node nope "q" 2>err && grep -q "no node '"'"'nope'"'"'" err &&
	(unset XPV_WINRM_USER; expect_code 2 "$XPV" probe wql --host h "q" 2>err) &&
	"$XPV" probe --help | grep -q "XPV_WINRM_AUTH" &&
	"$XPV" help probe | grep -q "XPV_WINRM_AUTH"
'

test_done
